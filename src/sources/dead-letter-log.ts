import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DeadLetter } from '../domain/records/rejection.ts';
import type { DeadLetterSink } from '../../topology/ports.ts';

const RECENT = 100;

/**
 * Keeps every rejected record: appended as one JSON line each to a file (created on the first
 * reject, so a clean run leaves nothing behind), with the latest few in memory for /dead-letters.
 */
export class DeadLetterLog implements DeadLetterSink {
  private readonly recent: DeadLetter[] = [];
  private total = 0;
  private created = false;

  constructor(readonly path: string | null) {}

  write(letters: readonly DeadLetter[]): void {
    if (letters.length === 0) return;
    this.total += letters.length;
    this.recent.push(...letters);
    if (this.recent.length > RECENT) this.recent.splice(0, this.recent.length - RECENT);
    if (this.path === null) return;
    if (!this.created) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.created = true;
    }
    // synchronous append: a reject is on disk before the batch that produced it is acknowledged
    appendFileSync(this.path, letters.map(({ bytes: _bytes, ...letter }) => JSON.stringify(letter)).join('\n') + '\n');
  }

  view(): { total: number; file: string | null; recent: readonly DeadLetter[] } {
    return { total: this.total, file: this.path, recent: this.recent.map(({ bytes: _bytes, ...letter }) => letter) };
  }
}
