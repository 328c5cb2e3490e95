import { createHash } from 'node:crypto';
import type { Message, ProducerRecord } from 'kafkajs';
import type { DeadLetter } from '../domain/records/rejection.ts';
import type { DeadLetterSink } from '../../topology/ports.ts';
import { canRetry, DeadLetterError } from '../errors.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../kafka/topics.ts';
import type { LogFn } from '../log/logger.ts';

/** What the sink needs of a producer (kafkajs' Producer has it). */
export interface DeadLetterProducer {
  send(record: ProducerRecord): Promise<unknown>;
}

export interface KafkaDeadLettersOptions {
  readonly producer: DeadLetterProducer;
  readonly topic: string;
  /** The topic's max.message.bytes: every send (one record batch) stays below it. */
  readonly maxMessageBytes: () => Promise<number>;
  /** Also given every letter (the local dead-letter file). */
  readonly also?: DeadLetterSink;
  readonly log: LogFn;
  /** Called with the number of letters given up on (counted in metrics). */
  readonly onUnwritten?: (letters: number) => void;
}

/** Kafka's record batch header and per-record framing, rounded up: what a send costs besides values and headers. */
const BATCH_OVERHEAD = 256;
const RECORD_OVERHEAD = 64;
/** A detail is an error message; bounded so a record cannot smuggle its size in through it. */
const MAX_DETAIL = 1_024;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function headerBytes(headers: Record<string, string>): number {
  let n = 0;
  for (const [key, value] of Object.entries(headers)) n += key.length + Buffer.byteLength(value) + 8;
  return n;
}

/**
 * One dead letter as a Kafka message within `limit` bytes: the original bytes as the value, why
 * and where from in headers. A record too big for the topic is cut, marked `cut`, with its full
 * size and SHA-256 in headers, so it can still be found in the source and matched.
 */
export function deadLetterMessage(letter: DeadLetter, limit: number): Message {
  const value = letter.bytes === undefined ? Buffer.from(letter.raw) : Buffer.from(letter.bytes.buffer, letter.bytes.byteOffset, letter.bytes.byteLength);
  const headers: Record<string, string> = {
    reason: letter.reason,
    detail: letter.detail.length > MAX_DETAIL ? letter.detail.slice(0, MAX_DETAIL) : letter.detail,
    table: letter.table,
    origin: letter.origin,
    seq: String(letter.seq),
  };
  const room = limit - BATCH_OVERHEAD - RECORD_OVERHEAD - headerBytes(headers) - 200;
  if (value.length <= room) return { value: Buffer.from(value), headers };
  return { value: Buffer.from(value.subarray(0, Math.max(0, room))), headers: { ...headers, cut: 'true', size: String(value.length), sha256: sha256(value) } };
}

const messageBytes = (m: Message): number => (m.value as Buffer).length + headerBytes(m.headers as Record<string, string>) + RECORD_OVERHEAD;

/** Messages in sends of at most `limit` bytes each: one send is one record batch to the broker. */
export function chunkBySize(messages: readonly Message[], limit: number): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let bytes = BATCH_OVERHEAD;
  for (const message of messages) {
    const size = messageBytes(message);
    if (current.length > 0 && bytes + size > limit) {
      chunks.push(current);
      current = [];
      bytes = BATCH_OVERHEAD;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * A failed send as data: kafkajs marks the errors its own retries may mend; anything else will
 * fail the same way again.
 */
function sendFailure(error: Error): DeadLetterError {
  return new DeadLetterError(error.message, { cause: error, canRetry: (error as { retriable?: boolean }).retriable === true });
}

/**
 * Rejected records to the dead-letter topic. Sends run in the background, batched by size; flush()
 * waits for those written before it was called (later ones belong to the next state write), and
 * the partition state keeper calls it before saving offsets past those records. A send that still
 * fails after one more try is given up on: logged, counted (`unwritten`, and per origin partition),
 * and recorded in its partition's saved state, so one bad slice can never stop state writes for
 * good, and a `--once` run that lost
 * any dead letter exits non-zero.
 */
export class KafkaDeadLetters implements DeadLetterSink {
  /** One entry per write(): settles once all its sends have succeeded or been given up on. */
  private pending: Promise<void>[] = [];
  private limit: Promise<number> | null = null;
  private given = 0;
  /** Letters given up on per origin (`topic/partition`): an events partition's count moves with its state. */
  private readonly givenByOrigin = new Map<string, number>();

  constructor(private readonly options: KafkaDeadLettersOptions) {}

  /** Dead letters given up on so far. */
  get unwritten(): number {
    return this.given;
  }

  /** Dead letters of `origin` given up on so far. */
  unwrittenOf(origin: string): number {
    return this.givenByOrigin.get(origin) ?? 0;
  }

  write(letters: readonly DeadLetter[]): void {
    if (letters.length === 0) return;
    this.options.also?.write(letters);
    // the limit is known after one admin round trip, then kept
    this.limit ??= this.options.maxMessageBytes().catch(() => DEFAULT_MAX_MESSAGE_BYTES);
    const done = this.limit.then(async (bytes) => {
      const chunks = chunkBySize(letters.map((l) => deadLetterMessage(l, bytes)), bytes);
      const failures = await Promise.all(chunks.map((messages) => this.sendWithRetry(messages)));
      const lost = failures.reduce((n, f, i) => n + (f === null ? 0 : chunks[i].length), 0);
      failures.forEach((f, i) => {
        if (f === null) return;
        for (const message of chunks[i]) {
          const origin = String((message.headers as Record<string, string>).origin);
          this.givenByOrigin.set(origin, (this.givenByOrigin.get(origin) ?? 0) + 1);
        }
      });
      if (lost > 0) this.giveUp(lost, failures.find((f) => f !== null) as DeadLetterError);
    });
    this.pending.push(done);
  }

  private async sendWithRetry(messages: Message[]): Promise<DeadLetterError | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.producer.send({ topic: this.options.topic, messages });
        return null;
      } catch (error) {
        const failure = sendFailure(error as Error);
        if (!canRetry(failure) || attempt >= 2) return failure;
      }
    }
  }

  private giveUp(lost: number, failure: DeadLetterError): void {
    this.given += lost;
    this.options.onUnwritten?.(lost);
    this.options.log(`${lost} dead letters could not be written to ${this.options.topic} (${failure.message}); ${this.given} in all, recorded in the saved state of their partitions`, { level: 'error' });
  }

  /**
   * Waits for the sends of every write() made before this call; never throws: what cannot be
   * written is counted and logged instead. Writes made meanwhile are the next flush's, so a steady
   * stream of rejects cannot hold a checkpoint back.
   */
  async flush(): Promise<void> {
    await Promise.all(this.pending.splice(0));
  }
}
