import type { DatasetConfig } from '../config.ts';
import type { LogFn } from '../log/logger.ts';
import type { EventFileItem, LivePipeline, RunItem } from '../live-pipeline.ts';
import type { DeadLetterSink } from '../../topology/ports.ts';
import { ensureDataset } from '../cli/ensure-dataset.ts';
import { EmptyRunCheck } from './empty-run-check.ts';
import { readInputLayout, readInputLayoutHandingOn, resolveInputDir, type InputFormat, type InputLayout } from './input-dir.ts';
import type { ProgressScale, Source, SourceOutcome } from './source.ts';
import type { SourceHealth } from './source-health.ts';

export interface FileSourceOptions {
  /** The input folder; null to replay the generated dataset `generate` (generated on first use). */
  readonly input: string | null;
  readonly generate: DatasetConfig | null;
  readonly dataDir: string;
  readonly format: InputFormat | 'auto';
  readonly batchSize: number;
  readonly maxRecordBytes: number;
  /** Accept an empty dimension table or no event counted. */
  readonly allowEmpty: boolean;
  /** Whether generating the dataset shows a progress bar. */
  readonly showProgress: boolean;
  /** The dead-letter file log (and /dead-letters): a file replay has no other destination. */
  readonly deadLetters: DeadLetterSink;
  readonly log: LogFn;
}

/** Where a file replay is: the file being read, its last line (Parquet: row) and the bytes read of it. */
export interface FilePosition {
  /** The input folder. */
  readonly input: string;
  /** Null before the first batch. */
  readonly file: string | null;
  /** The last line read (a file split between worker threads: the lines of it read so far). */
  readonly line: number;
  /** Absent for Parquet, which is read by row group. */
  readonly bytes?: number;
}

const STOPPED = Symbol('stopped');

/**
 * A replay of a folder of files (NDJSON, CSV, Parquet): the dimension tables to their end, then
 * the events. Nothing to checkpoint (a replay starts over); a replay that reads an empty table or
 * counts no event fails rather than passing for a result (unless allowEmpty).
 */
export class FileSource implements Source {
  readonly progress: ProgressScale;
  readonly reportsWhenStopped = false;
  private check: EmptyRunCheck | null = null;
  /** Whether the pipeline reads NDJSON event files itself (split between its shards). */
  private handsOnFiles = false;
  private readonly abort = new AbortController();
  private position: FilePosition;
  private stopped = false;
  private exhausted = false;
  /** Ends the read in progress, if one is waiting (set afresh for each read). */
  private interrupt: (() => void) | null = null;

  /** Resolves the input folder, generating the dataset first when none is given. */
  static async open(options: FileSourceOptions): Promise<FileSource> {
    const dir = options.input ?? (await ensureDataset(options.dataDir, options.generate!, options.showProgress, options.log));
    return new FileSource(dir, await resolveInputDir(dir, options.format), options);
  }

  private constructor(
    private readonly dir: string,
    private readonly layout: InputLayout,
    private readonly options: FileSourceOptions,
  ) {
    this.position = { input: dir, file: null, line: 0 };
    // text files are measured in bytes read; Parquet only in events (of the generated dataset, if known)
    this.progress =
      layout.events.format === 'parquet'
        ? { unit: 'events', total: () => options.generate?.events ?? 0, value: (p) => p.eventsRead }
        : { unit: 'bytes', total: () => layout.events.bytes, value: (p) => p.position.bytes ?? 0 };
  }

  get deadLetters(): DeadLetterSink {
    return this.options.deadLetters;
  }

  get finished(): boolean {
    return this.exhausted;
  }

  attach(pipeline: LivePipeline): void {
    this.check = this.options.allowEmpty ? null : new EmptyRunCheck(pipeline);
    this.handsOnFiles = pipeline.readsEventFiles === true;
  }

  private eventFile(path: string, bytes: number): EventFileItem {
    return {
      kind: 'event-file',
      path,
      bytes,
      batchSize: this.options.batchSize,
      maxRecordBytes: this.options.maxRecordBytes,
      signal: this.abort.signal,
      onRead: (read) => void (this.position = { input: this.dir, file: path, line: read.seq, ...(read.bytes === undefined ? {} : { bytes: read.bytes }) }),
    };
  }

  /**
   * The files' items until they end or stop() is called: a stop ends the replay at once, without
   * waiting for the read in progress (it is abandoned, and its file closed when it yields).
   */
  async *items(): AsyncGenerator<RunItem> {
    const { batchSize, maxRecordBytes } = this.options;
    const read = this.handsOnFiles
      ? readInputLayoutHandingOn(this.layout, batchSize, maxRecordBytes, (path, bytes) => this.eventFile(path, bytes))
      : readInputLayout(this.layout, batchSize, maxRecordBytes);
    const reader = (this.check === null ? read : this.check.guard(read))[Symbol.asyncIterator]();
    try {
      while (!this.stopped) {
        const pending = reader.next();
        // an abandoned read that fails later has no one left to tell
        pending.catch(() => {});
        // a promise of its own per read: racing every read against one long-lived stop promise
        // would hang each result on that promise until the stop, keeping every batch's buffers
        const next = await new Promise<IteratorResult<RunItem> | typeof STOPPED>((resolve, reject) => {
          this.interrupt = () => resolve(STOPPED);
          pending.then(resolve, reject);
        });
        this.interrupt = null;
        if (next === STOPPED) return;
        if (next.done === true) {
          this.exhausted = true;
          return;
        }
        if (next.value.kind === 'dimension-file') this.position = { input: this.dir, file: next.value.path, line: 0 };
        else if (next.value.kind !== 'event-file') {
          const { position } = next.value.batch;
          this.position = { input: this.dir, file: position.origin, line: position.seq, ...(position.bytes === undefined ? {} : { bytes: position.bytes }) };
        }
        yield next.value;
      }
    } finally {
      if (!this.exhausted) void reader.return?.(undefined).catch(() => {});
    }
  }

  afterBatch(): void {}

  describe(): FilePosition {
    return this.position;
  }

  /** Serving while it reads and once it is read; a stopped replay's reports are a fragment. */
  health(): SourceHealth {
    if (this.exhausted) return { state: 'done' };
    return this.stopped ? { state: 'stopped', reason: 'the replay was stopped' } : { state: 'running' };
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.interrupt?.();
  }

  /** Nothing to write back; only whether what was read is what the run claims (a stopped replay claims nothing). */
  close(): Promise<SourceOutcome> {
    const emptyRun = this.stopped || this.check === null ? null : this.check.verdict();
    return Promise.resolve({ checkpointed: true, neverStarted: false, deadLettersUnwritten: null, emptyRun });
  }
}
