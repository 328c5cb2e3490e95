import type { LogFn } from '../log/logger.ts';
import { InternalError, StreamPulseError } from '../errors.ts';
import type { Pipeline } from '../pipeline.ts';
import { writeCheckpoint, type Checkpoint } from './checkpoint-file.ts';
import { CHECKPOINT_VERSION, validateCheckpoint } from './checkpoint-schema.ts';

export interface CheckpointerOptions {
  readonly path: string;
  readonly group: string;
  readonly topic: string;
  readonly intervalMs: number;
  /** Offsets of everything folded into the pipeline so far (read between batches). */
  readonly offsets: () => Record<string, number>;
  /**
   * Events folded per partition since the topic's start, as the source counted them. Without it
   * they are derived from the offsets' advance, exact only on a topic whose offsets are dense.
   */
  readonly folded?: () => Record<string, number>;
  /** The checkpoint this run resumed from: steps, offsets and folded counts carry on from it. */
  readonly previous?: Checkpoint | null;
  /** Dead letters given up on so far (read after flushBefore); the resumed checkpoint's count when absent. */
  readonly deadLettersUnwritten?: () => number;
  /** Made durable before a checkpoint is written (e.g. pending dead-letter sends). */
  readonly flushBefore?: () => Promise<void>;
  readonly now?: () => number;
  readonly log: LogFn;
  /** Called after each successful write with its duration. */
  readonly onWritten?: (seconds: number) => void;
}

/**
 * Periodic checkpoints of the pipeline's state with the offsets it reflects. The state is copied
 * synchronously between batches (so it matches the offsets exactly), then written in the
 * background; one write at a time, a due checkpoint waits for the next batch boundary. Each
 * checkpoint has the next step number; its offsets never go below the last ones written (or
 * resumed from), and it is validated as a reader would before it is written, so a checkpoint on
 * disk is always one the next run accepts.
 */
export class Checkpointer {
  private lastWrite: number;
  private writing: Promise<boolean> | null = null;
  private written = 0;
  private lastDurationMs = 0;
  private lastWrittenAt: number | null = null;
  private step: number;
  /** Offsets and folded counts of the last checkpoint written or resumed from. */
  private last: { offsets: Readonly<Record<string, number>>; folded: Readonly<Record<string, number>> };

  constructor(
    private readonly pipeline: Pipeline,
    private readonly options: CheckpointerOptions,
  ) {
    this.lastWrite = this.now();
    this.step = options.previous?.step ?? 0;
    this.last = { offsets: options.previous?.offsets ?? {}, folded: options.previous?.folded ?? {} };
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

  /**
   * Events folded per partition since the last checkpoint are its offset's advance: the events
   * topic's offsets are dense, one per record handed to the pipeline.
   */
  private capture(): Checkpoint {
    const offsets = this.options.offsets();
    for (const [partition, before] of Object.entries(this.last.offsets)) {
      const now = offsets[partition];
      if (now === undefined || now < before) {
        throw new InternalError(`the offset of partition ${partition} would go back from ${before} to ${String(now ?? 'nothing')}`);
      }
    }
    let folded: Record<string, number>;
    if (this.options.folded !== undefined) folded = this.options.folded();
    else {
      folded = {};
      for (const [partition, offset] of Object.entries(offsets)) folded[partition] = (this.last.folded[partition] ?? 0) + offset - (this.last.offsets[partition] ?? 0);
    }
    const checkpoint: Checkpoint = {
      version: CHECKPOINT_VERSION,
      group: this.options.group,
      topic: this.options.topic,
      step: this.step + 1,
      offsets,
      folded,
      deadLettersUnwritten: this.options.deadLettersUnwritten?.() ?? this.options.previous?.deadLettersUnwritten ?? 0,
      state: this.pipeline.exportState(),
      writtenAt: new Date(this.now()).toISOString(),
    };
    try {
      validateCheckpoint(checkpoint, { group: this.options.group, topic: this.options.topic, strategies: this.pipeline.strategies });
    } catch (error) {
      throw new InternalError(`the checkpoint would be invalid: ${(error as Error).message}`, { cause: error });
    }
    this.step++;
    return checkpoint;
  }

  private async write(): Promise<boolean> {
    const started = performance.now();
    this.lastWrite = this.now();
    let captured: Checkpoint;
    try {
      captured = this.capture();
    } catch (error) {
      const code = error instanceof StreamPulseError ? ` [${error.code}]` : '';
      this.options.log(`checkpoint to ${this.options.path} refused, not written: ${(error as Error).message}${code}`, { level: 'error' });
      return false;
    }
    try {
      await this.options.flushBefore?.();
      // read after the flush: the dead letters it gave up on belong to batches this checkpoint covers
      const checkpoint: Checkpoint = { ...captured, deadLettersUnwritten: this.options.deadLettersUnwritten?.() ?? captured.deadLettersUnwritten };
      await writeCheckpoint(this.options.path, checkpoint);
      this.last = { offsets: checkpoint.offsets, folded: checkpoint.folded };
      this.written++;
      this.lastDurationMs = performance.now() - started;
      this.lastWrittenAt = this.now();
      this.options.onWritten?.(this.lastDurationMs / 1000);
      return true;
    } catch (error) {
      this.options.log(`checkpoint to ${this.options.path} failed: ${(error as Error).message}; the next one retries`, { level: 'warn' });
      return false;
    }
  }
}
