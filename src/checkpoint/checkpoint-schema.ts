import type { Strategy } from '../domain/run-progress.ts';
import { CheckpointError } from '../errors.ts';
import type { PipelineState } from '../pipeline.ts';
import { at, integer, map, object, problem, string } from './json-check.ts';
import { validatePipelineState } from './state-schema.ts';

/** The checkpoint format this build writes and the only one it reads. */
export const CHECKPOINT_VERSION = 2;

/** The state of every report together with the source offsets it reflects, nothing more, nothing less. */
export interface Checkpoint {
  readonly version: typeof CHECKPOINT_VERSION;
  readonly group: string;
  readonly topic: string;
  /** 1 for the first checkpoint of a group and topic, one more for each one after it. */
  readonly step: number;
  /** Next offset per events partition. */
  readonly offsets: Readonly<Record<string, number>>;
  /** Events folded into the state from each partition; they sum to the state's events read. */
  readonly folded: Readonly<Record<string, number>>;
  /** Dead letters the run accepted but could not make durable anywhere. */
  readonly deadLettersUnwritten: number;
  readonly state: PipelineState;
  readonly writtenAt: string;
}

/** What the run reading a checkpoint expects of it. */
export interface CheckpointExpectation {
  readonly group: string;
  readonly topic: string;
  readonly strategies: readonly Strategy[];
}

const PARTITION = /^(0|[1-9]\d{0,9})$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function partitionCounts(value: unknown, path: string): Record<string, number> {
  const counts = map(value, path);
  for (const [partition, n] of Object.entries(counts)) {
    if (!PARTITION.test(partition)) throw new CheckpointError(`${at(path, partition)} is not a partition number (a non-negative integer)`);
    integer(n, at(path, partition));
  }
  return counts as Record<string, number>;
}

/**
 * Checks parsed JSON against the checkpoint format, this run's group, topic and strategies, and
 * the offsets against the state; throws a CheckpointError naming the first problem and its JSON
 * path. Returns the checkpoint with its defaults filled in.
 */
export function validateCheckpoint(value: unknown, expected: CheckpointExpectation): Checkpoint {
  const c = object(value, '', {
    required: ['version', 'group', 'topic', 'step', 'offsets', 'folded', 'state', 'writtenAt'],
    optional: ['deadLettersUnwritten'],
  });
  if (c.version !== CHECKPOINT_VERSION) throw problem('version', `${CHECKPOINT_VERSION} (this build reads checkpoint version ${CHECKPOINT_VERSION} only)`, c.version);
  if (string(c.group, 'group') !== expected.group) throw problem('group', `${JSON.stringify(expected.group)} (this run's consumer group)`, c.group);
  if (string(c.topic, 'topic') !== expected.topic) throw problem('topic', `${JSON.stringify(expected.topic)} (this run's events topic)`, c.topic);
  const step = integer(c.step, 'step', 1);
  const writtenAt = string(c.writtenAt, 'writtenAt');
  if (!ISO_TIME.test(writtenAt) || Number.isNaN(Date.parse(writtenAt))) throw problem('writtenAt', 'an ISO time like 2025-01-31T12:00:00.000Z', writtenAt);
  const offsets = partitionCounts(c.offsets, 'offsets');
  const folded = partitionCounts(c.folded, 'folded');
  const deadLettersUnwritten = c.deadLettersUnwritten === undefined ? 0 : integer(c.deadLettersUnwritten, 'deadLettersUnwritten');
  const state = validatePipelineState(c.state, expected.strategies);
  checkFolded(offsets, folded, state.progress.eventsRead);
  // a partition's reports without its offset would be folded again from wherever it resumes
  for (const partition of Object.keys(state.partitions)) {
    if (!(partition in offsets)) throw new CheckpointError(`${at('state.partitions', partition)} holds reports of a partition that offsets does not have`);
  }
  return { version: CHECKPOINT_VERSION, group: expected.group, topic: expected.topic, step, offsets, folded, deadLettersUnwritten, state, writtenAt };
}

/**
 * Offsets and state must describe the same events: without this, a state that folded N events
 * paired with offsets that start earlier counts those events twice.
 */
function checkFolded(offsets: Record<string, number>, folded: Record<string, number>, eventsRead: number): void {
  const partitions = Object.keys(offsets);
  if (eventsRead > 0 && partitions.length === 0) {
    throw new CheckpointError(`offsets must name the partitions the state's ${eventsRead} events were read from, got {} (resuming would read them again)`);
  }
  for (const partition of Object.keys(folded)) {
    if (!(partition in offsets)) throw new CheckpointError(`${at('folded', partition)} counts events of a partition that offsets does not have`);
  }
  let sum = 0;
  for (const partition of partitions) {
    const n = folded[partition];
    if (n === undefined) throw problem(at('folded', partition), `the events folded from partition ${partition}`, n);
    if (n > offsets[partition]) throw new CheckpointError(`${at('folded', partition)} counts ${n} events, more than the ${offsets[partition]} offsets before offsets["${partition}"]`);
    sum += n;
  }
  if (sum !== eventsRead) {
    throw new CheckpointError(`state.progress.eventsRead must equal the events folded per partition (${sum}), got ${eventsRead}: the state and the offsets disagree`);
  }
}
