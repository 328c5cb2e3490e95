import type { Observable } from 'rxjs';
import { Pipeline, type ReportSnapshot } from '../../src/pipeline.ts';
import type { DeadLetter } from '../../src/domain/records/rejection.ts';
import type { Strategy } from '../../src/domain/run-progress.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import type { SourceItem } from '../../topology/ports.ts';

export interface RunOptions {
  readonly strategies: readonly Strategy[];
  /** Records per raw batch (dimension tables and events alike). */
  readonly batchSize?: number;
  readonly cacheSize?: number;
}

export interface PipelineRun {
  readonly pipeline: Pipeline;
  /** Every dead letter the pipeline wrote, in order. */
  readonly deadLetters: readonly DeadLetter[];
  /** Event batches that went through the topology. */
  readonly batches: number;
  /** The final snapshot of one of the strategies that ran. */
  snapshot(strategy: Strategy): ReportSnapshot;
}

/** Runs a pipeline over an already-built source. */
export async function runPipelineOn(
  source: AsyncIterable<SourceItem> | Observable<SourceItem>,
  options: RunOptions,
): Promise<PipelineRun> {
  const deadLetters: DeadLetter[] = [];
  const pipeline = new Pipeline({
    strategies: options.strategies,
    cacheSize: options.cacheSize ?? 1024,
    deadLetters: { write: (letters) => void deadLetters.push(...letters) },
  });
  let batches = 0;
  await pipeline.run(source, () => batches++);
  const snapshots = new Map<Strategy, ReportSnapshot>();
  for (const strategy of options.strategies) snapshots.set(strategy, pipeline.snapshot(strategy));
  return {
    pipeline,
    deadLetters,
    batches,
    snapshot(strategy) {
      const snap = snapshots.get(strategy);
      if (snap === undefined) throw new Error(`strategy ${strategy} did not run`);
      return snap;
    },
  };
}

/** Runs a pipeline over the four tables in `dir` (dimensions first, then events). */
export async function runPipeline(dir: string, options: RunOptions): Promise<PipelineRun> {
  const layout = await resolveInputDir(dir, 'ndjson');
  return runPipelineOn(readInputLayout(layout, options.batchSize ?? 2048), options);
}
