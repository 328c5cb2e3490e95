import type { Pipeline } from '../pipeline.ts';
import { writeCheckpoint, type Checkpoint } from './checkpoint-file.ts';

export interface CheckpointerOptions {
  readonly path: string;
  readonly group: string;
  readonly topic: string;
  readonly intervalMs: number;
  /** Offsets of everything folded into the pipeline so far (read between batches). */
  readonly offsets: () => Record<string, number>;
  /** Made durable before a checkpoint is written (e.g. pending dead-letter sends). */
  readonly flushBefore?: () => Promise<void>;
  /** Dead letters given up on so far, recorded with each checkpoint (read after flushBefore). */
  readonly deadLettersUnwritten?: () => number;
  readonly now?: () => number;
  readonly log: (line: string) => void;
  /** Called after each successful write with its duration. */
  readonly onWritten?: (seconds: number) => void;
}

/**
 * Periodic checkpoints of the pipeline's state with the offsets it reflects. The state is copied
 * synchronously between batches (so it matches the offsets exactly), then written in the
 * background; one write at a time, a due checkpoint waits for the next batch boundary.
 */
export class Checkpointer {
  private lastWrite: number;
  private writing: Promise<boolean> | null = null;
  private written = 0;
  private lastDurationMs = 0;
  private lastWrittenAt: number | null = null;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly options: CheckpointerOptions,
  ) {
    this.lastWrite = this.now();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  get stats(): { written: number; lastWrittenAt: number | null; lastDurationMs: number } {
    return { written: this.written, lastWrittenAt: this.lastWrittenAt, lastDurationMs: this.lastDurationMs };
  }

  /** Call between batches; starts a write when one is due and none is running. */
  maybeCheckpoint(): void {
    if (this.writing !== null || this.now() - this.lastWrite < this.options.intervalMs) return;
    this.writing = this.write().finally(() => (this.writing = null));
  }

  /** A checkpoint now, waiting for any running write first; false when it could not be written. */
  async checkpointNow(): Promise<boolean> {
    await this.writing;
    return this.write();
  }

  private capture(): Checkpoint {
    return {
      version: 1,
      group: this.options.group,
      topic: this.options.topic,
      offsets: this.options.offsets(),
      state: this.pipeline.exportState(),
      writtenAt: new Date(this.now()).toISOString(),
    };
  }

  private async write(): Promise<boolean> {
    const started = performance.now();
    const captured = this.capture();
    this.lastWrite = this.now();
    try {
      await this.options.flushBefore?.();
      const unwritten = this.options.deadLettersUnwritten?.() ?? 0;
      const checkpoint = unwritten > 0 ? { ...captured, deadLettersUnwritten: unwritten } : captured;
      await writeCheckpoint(this.options.path, checkpoint);
      this.written++;
      this.lastDurationMs = performance.now() - started;
      this.lastWrittenAt = this.now();
      this.options.onWritten?.(this.lastDurationMs / 1000);
      return true;
    } catch (error) {
      this.options.log(`checkpoint to ${this.options.path} failed: ${(error as Error).message}; the next one retries`);
      return false;
    }
  }
}
