import type { LogFn } from '../log/logger.ts';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { cutUtf8 } from '../domain/records/cut-text.ts';
import type { DeadLetter } from '../domain/records/rejection.ts';
import type { DeadLetterSink } from '../../topology/ports.ts';

const RECENT = 100;
/** Bytes of a record's text (and of its reason's detail) kept in memory and shown at /dead-letters. */
export const DEAD_LETTER_TEXT_BYTES = 1024;

/** Where the whole of a rejected record lives; empty when it was kept nowhere (--no-dead-letters, no topic). */
export interface WholeRecordAt {
  readonly file?: string;
  readonly topic?: string;
}

/** A rejected record as /dead-letters shows it: its text cut to a bound, its full size and hash, and where the whole is. */
export interface DeadLetterPreview {
  readonly table: string;
  readonly origin: string;
  readonly seq: number;
  readonly reason: DeadLetter['reason'];
  readonly detail: string;
  readonly raw: string;
  readonly raw_cut: boolean;
  readonly raw_bytes: number;
  readonly raw_sha256: string;
  readonly whole_record_at: WholeRecordAt;
}

export interface DeadLetterLogView {
  readonly total: number;
  readonly file: string | null;
  readonly topic: string | null;
  readonly recent: readonly DeadLetterPreview[];
}

/**
 * Keeps every rejected record: appended whole as one JSON line each to a file (created on the first
 * reject, so a clean run leaves nothing behind), with previews of the latest few in memory for
 * /dead-letters. A preview holds a cut of the text, never the whole, so memory and answers stay
 * small however large the rejected records are.
 */
export class DeadLetterLog implements DeadLetterSink {
  private readonly recent: DeadLetterPreview[] = [];
  private readonly wholeAt: WholeRecordAt;
  private total = 0;
  private created = false;
  private failed = 0;

  /** `topic`: the Kafka dead-letter topic the same records go to, if any. */
  constructor(
    readonly path: string | null,
    readonly topic: string | null = null,
    private readonly log: LogFn = () => {},
    /** Called with the number of letters that could not be appended (counted in metrics). */
    private readonly onUnwritten: (letters: number) => void = () => {},
  ) {
    this.wholeAt = Object.freeze({ ...(path === null ? {} : { file: path }), ...(topic === null ? {} : { topic }) });
  }

  write(letters: readonly DeadLetter[]): void {
    if (letters.length === 0) return;
    this.total += letters.length;
    // only the latest RECENT can stay, so only they are previewed (and hashed)
    this.recent.push(...letters.slice(-RECENT).map((letter) => this.preview(letter)));
    if (this.recent.length > RECENT) this.recent.splice(0, this.recent.length - RECENT);
    if (this.path === null) return;
    try {
      if (!this.created) {
        mkdirSync(dirname(this.path), { recursive: true });
        this.created = true;
      }
      // synchronous append: a reject is on disk before the batch that produced it is acknowledged
      appendFileSync(this.path, letters.map(({ bytes: _bytes, ...letter }) => JSON.stringify(letter)).join('\n') + '\n');
    } catch (error) {
      // a full disk or a removed folder must not kill the run: the loss is counted and reported
      if (this.failed === 0) this.log(`cannot append dead letters to ${this.path} (${(error as Error).message}); counting them as not written`, { level: 'error' });
      this.failed += letters.length;
      this.onUnwritten(letters.length);
    }
  }

  /** Dead letters that could not be appended to the file. */
  get unwritten(): number {
    return this.failed;
  }

  view(): DeadLetterLogView {
    return { total: this.total, file: this.path, topic: this.topic, recent: [...this.recent] };
  }

  private preview(letter: DeadLetter): DeadLetterPreview {
    const raw = cutUtf8(letter.raw, DEAD_LETTER_TEXT_BYTES);
    const detail = cutUtf8(letter.detail, DEAD_LETTER_TEXT_BYTES);
    return Object.freeze({
      table: letter.table,
      origin: letter.origin,
      seq: letter.seq,
      reason: letter.reason,
      detail: detail.cut ? `${detail.text}…` : detail.text,
      raw: raw.text,
      raw_cut: raw.cut,
      raw_bytes: Buffer.byteLength(letter.raw),
      raw_sha256: createHash('sha256').update(letter.raw).digest('hex'),
      whole_record_at: this.wholeAt,
    });
  }
}
