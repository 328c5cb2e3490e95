import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { RejectReason } from '../../src/errors.ts';
import type { DeadLetter } from '../../src/domain/records/rejection.ts';
import { chunkBySize, deadLetterMessage, KafkaDeadLetters } from '../../src/sources/kafka-dead-letters.ts';

type Encoded = { buffer: Buffer };
const require = createRequire(import.meta.url);
const kafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: { offsetDelta: number; timestampDelta: number; key: null; value: Buffer; headers: Record<string, string> }) => Encoded;
const { RecordBatch: kafkajsBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (batch: { firstOffset: number; firstTimestamp: number; lastOffsetDelta: number; records: Encoded[] }) => Promise<Encoded>;
};

const letter = (seq: number, raw: string): DeadLetter => ({ table: 'events', origin: 'events/0', seq, raw, reason: RejectReason.NotJson, detail: 'Unexpected token' });

/** A producer whose sends settle when the test says so, in order. */
function heldProducer(): { producer: { send(record: ProducerRecord): Promise<unknown> }; sends: ProducerRecord[]; settle(i: number, error?: Error): void } {
  const sends: ProducerRecord[] = [];
  const settlers: ((error?: Error) => void)[] = [];
  return {
    sends,
    producer: {
      send: (record) =>
        new Promise((resolve, reject) => {
          sends.push(record);
          settlers.push((error) => (error === undefined ? resolve(undefined) : reject(error)));
        }),
    },
    settle: (i, error) => settlers[i](error),
  };
}

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  return done;
};

describe('KafkaDeadLetters', () => {
  it('cuts a record too big for the topic, with its full size and hash in headers', () => {
    const raw = 'x'.repeat(3_000_000);
    const message = deadLetterMessage(letter(1, raw), 1_048_588);
    expect((message.value as Buffer).length).toBeLessThan(1_048_588 - 256);
    expect(message.headers).toMatchObject({ cut: 'true', size: '3000000', sha256: createHash('sha256').update(raw).digest('hex'), reason: 'not_json' });
    expect(deadLetterMessage(letter(2, 'small'), 1_048_588).headers).not.toHaveProperty('cut');
  });

  it('chunks sends so that each, encoded as the record batch kafkajs sends, stays under the limit', async () => {
    const messages = Array.from({ length: 10_000 }, (_, i) => deadLetterMessage(letter(i, 'y'.repeat(300 + (i % 700))), 1_048_588));
    const chunks = chunkBySize(messages, 1_048_588);
    expect(chunks.flat()).toHaveLength(10_000);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) {
      const records = chunk.map((m, i) => kafkajsRecord({ offsetDelta: i, timestampDelta: 0, key: null, value: m.value as Buffer, headers: m.headers as Record<string, string> }));
      const batch = await kafkajsBatch({ firstOffset: 0, firstTimestamp: Date.now(), lastOffsetDelta: chunk.length - 1, records });
      expect(batch.buffer.length).toBeLessThan(1_048_588);
      // and not wastefully small: within 15% of the limit, but for the last chunk
      if (chunk !== chunks.at(-1)) expect(batch.buffer.length).toBeGreaterThan(0.85 * 1_048_588);
    }
  });

  it('flush() waits for the writes made before it, not for those that keep arriving', async () => {
    const held = heldProducer();
    const sink = new KafkaDeadLetters({ producer: held.producer, topic: 'dlq', maxMessageBytes: async () => 1_048_588, log: () => {} });
    sink.write([letter(1, 'a')]);
    await settled(Promise.resolve());
    const flushed = sink.flush();
    sink.write([letter(2, 'b')]);
    await settled(Promise.resolve());
    expect(held.sends).toHaveLength(2);
    expect(await settled(flushed)).toBe(false);
    held.settle(0);
    expect(await settled(flushed)).toBe(true);
    held.settle(1);
    await sink.flush();
    expect(sink.unwritten).toBe(0);
  });

  it('gives up on a send the broker refuses for good: counted and logged, flush() still resolves', async () => {
    const held = heldProducer();
    const lines: string[] = [];
    const sink = new KafkaDeadLetters({ producer: held.producer, topic: 'dlq', maxMessageBytes: async () => 1_048_588, log: (line) => void lines.push(line) });
    sink.write([letter(1, 'a'), letter(2, 'b')]);
    await settled(Promise.resolve());
    held.settle(0, Object.assign(new Error('This record has failed the validation on broker'), { retriable: false }));
    await sink.flush();
    expect(held.sends).toHaveLength(1);
    expect(sink.unwritten).toBe(2);
    expect(lines).toEqual([expect.stringMatching(/^2 dead letters could not be written to dlq \(This record has failed the validation on broker\); 2 in all/)]);
  });

  it('tries a retriable failure once more before giving up', async () => {
    const held = heldProducer();
    const sink = new KafkaDeadLetters({ producer: held.producer, topic: 'dlq', maxMessageBytes: async () => 1_048_588, log: () => {} });
    sink.write([letter(1, 'a')]);
    await settled(Promise.resolve());
    held.settle(0, Object.assign(new Error('leader moved'), { retriable: true }));
    await settled(Promise.resolve());
    expect(held.sends).toHaveLength(2);
    held.settle(1);
    await sink.flush();
    expect(sink.unwritten).toBe(0);
  });
});
