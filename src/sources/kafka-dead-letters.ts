import type { Message, Producer } from 'kafkajs';
import type { DeadLetter } from '../domain/records/rejection.ts';
import type { DeadLetterSink } from '../../topology/ports.ts';
import { DeadLetterError } from '../errors.ts';

/**
 * Rejected records to the dead-letter topic: the original bytes as the value, why and where from
 * in headers. Sends run in the background; flush() waits for them, and the checkpointer calls it
 * before recording offsets past those records.
 */
export class KafkaDeadLetters implements DeadLetterSink {
  private pending: Promise<unknown>[] = [];
  private failed: Message[][] = [];

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly also?: DeadLetterSink,
  ) {}

  write(letters: readonly DeadLetter[]): void {
    this.also?.write(letters);
    const messages = letters.map((l) => ({
      value: l.bytes === undefined ? Buffer.from(l.raw) : Buffer.from(l.bytes),
      headers: { reason: l.reason, detail: l.detail, table: l.table, origin: l.origin, seq: String(l.seq) },
    }));
    this.send(messages);
  }

  private send(messages: Message[]): void {
    this.pending.push(this.producer.send({ topic: this.topic, messages }).catch(() => this.failed.push(messages)));
  }

  /** Waits for every send; failed ones are sent again, and an error says they are still pending. */
  async flush(): Promise<void> {
    const retry = this.failed.splice(0);
    for (const messages of retry) this.send(messages);
    const pending = this.pending.splice(0);
    await Promise.all(pending);
    if (this.failed.length > 0) throw new DeadLetterError(`${this.failed.length} dead-letter sends to ${this.topic} are still failing`);
  }
}
