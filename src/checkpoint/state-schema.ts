import { DECLARATIONS, type AggregateDeclaration } from '../domain/aggregates/index.ts';
import type { PartitionedReportsState } from '../domain/partitioned-reports.ts';
import type { ReportName } from '../domain/reports/report-rows.ts';
import { STRATEGIES, type Strategy } from '../domain/run-progress.ts';
import { CheckpointError, REJECT_REASONS, UNMATCHED_REASONS } from '../errors.ts';
import type { PipelineState, SavedPartition } from '../pipeline.ts';
import { array, at, integer, integers, map, object, problem, string } from './json-check.ts';

/**
 * The checks on a saved PipelineState, deep enough that Pipeline.importState and each
 * aggregate's importState get exactly the shapes their exportState wrote, derived from the
 * reports' declarations: every report by name and version, keys of the declared arity, columns
 * of one length, integers where integers are counted, bitsets as whole 32-bit words of users
 * that are listed. Pure: throws a CheckpointError naming the first problem with its JSON path.
 */
export const STATE_VERSION = 4;

export function validatePipelineState(value: unknown, strategies: readonly Strategy[], path = 'state'): PipelineState {
  const state = object(value, path, { required: ['version', 'partitions', 'progress'] });
  if (state.version !== STATE_VERSION) throw problem(at(path, 'version'), String(STATE_VERSION), state.version);
  const partitions = map(state.partitions, at(path, 'partitions'));
  for (const [partition, saved] of Object.entries(partitions)) {
    const partitionPath = at(at(path, 'partitions'), partition);
    if (!/^(0|[1-9]\d{0,8})$/.test(partition)) throw new CheckpointError(`${partitionPath} is not a partition number`);
    validatePartitionState(saved, strategies, partitionPath);
  }
  const progress = map(state.progress, at(path, 'progress'));
  for (const [partition, saved] of Object.entries(progress)) validateProgress(saved, at(at(path, 'progress'), partition), strategies);
  return value as PipelineState;
}

/** One partition's reports and progress counters (Pipeline.savePartition), as it moves between instances. */
export function validateSavedPartition(value: unknown, strategies: readonly Strategy[], path: string): SavedPartition {
  const saved = object(value, path, { required: ['reports', 'progress'] });
  validatePartitionState(saved.reports, strategies, at(path, 'reports'));
  validateProgress(saved.progress, at(path, 'progress'), strategies);
  return value as SavedPartition;
}

/** One partition's reports, every strategy the run uses: what moves with a partition. */
export function validatePartitionState(value: unknown, strategies: readonly Strategy[], path: string): PartitionedReportsState[string] {
  const reports = map(value, path);
  checkStrategies(Object.keys(reports), strategies, path);
  for (const strategy of strategies) validateReportSet(reports[strategy], at(path, strategy));
  return value as PartitionedReportsState[string];
}

/** The saved strategies must be exactly the run's: a missing one would start at zero beside restored ones. */
export function checkStrategies(saved: readonly string[], strategies: readonly Strategy[], path: string): void {
  for (const name of saved) {
    if (!(STRATEGIES as readonly string[]).includes(name)) throw new CheckpointError(`${at(path, name)} is not a strategy (${STRATEGIES.join(', ')})`);
    if (!strategies.includes(name as Strategy)) {
      throw new CheckpointError(`${at(path, name)} is state for strategy ${name}, which this run does not use (--strategy ${strategies.join(' + ')})`);
    }
  }
  for (const strategy of strategies) {
    if (!saved.includes(strategy)) throw new CheckpointError(`${at(path, strategy)} is missing: this run uses strategy ${strategy} and the checkpoint has no state for it`);
  }
}

/** Each report's saved state, as its declaration says it must be. */
function validateReportSet(value: unknown, path: string): void {
  const names = Object.keys(DECLARATIONS) as ReportName[];
  const saved = object(value, path, { required: names });
  for (const name of names) validateAggregateState(saved[name], at(path, name), DECLARATIONS[name]);
}

/**
 * One report's state against its declaration: its name and version, one key of the declared
 * arity per group (distinct, so no group is counted twice), one integer per group in each count
 * or sum, and one bitset per group in each distinct measure, indexing only the users listed.
 */
export function validateAggregateState(value: unknown, path: string, declaration: AggregateDeclaration): void {
  const hasDistinct = declaration.measures.some((m) => m.kind === 'distinct');
  const s = object(value, path, { required: ['name', 'version', 'keys', 'measures', ...(hasDistinct ? ['users'] : [])] });
  if (s.name !== declaration.name) throw problem(at(path, 'name'), JSON.stringify(declaration.name), s.name);
  if (s.version !== declaration.version) throw problem(at(path, 'version'), `${declaration.version} (this build's ${declaration.name} state)`, s.version);
  const keys = array(s.keys, at(path, 'keys'));
  const seen = new Set<string>();
  keys.forEach((key, i) => {
    const parts = array(key, at(at(path, 'keys'), i), declaration.key.length);
    parts.forEach((part, j) => string(part, at(at(at(path, 'keys'), i), j)));
    const id = JSON.stringify(parts);
    if (seen.has(id)) throw new CheckpointError(`${at(at(path, 'keys'), i)} repeats the group ${id}: groups must be distinct`);
    seen.add(id);
  });
  const users = hasDistinct ? distinctStrings(s.users, at(path, 'users')) : 0;
  const measures = object(s.measures, at(path, 'measures'), { required: declaration.measures.map((m) => m.name) });
  for (const measure of declaration.measures) {
    const measurePath = at(at(path, 'measures'), measure.name);
    if (measure.kind === 'distinct') bitsets(measures[measure.name], measurePath, keys.length, users);
    else integers(measures[measure.name], measurePath, { length: keys.length });
  }
}

function distinctStrings(value: unknown, path: string): number {
  const values = array(value, path);
  const seen = new Set<string>();
  // paths are built only for a problem: the list holds every user of the state
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'string') string(v, at(path, i));
    // a repeated user would be one user counted under two ids
    else if (seen.has(v)) throw new CheckpointError(`${at(path, i)} repeats ${JSON.stringify(v)}: values must be distinct`);
    else seen.add(v);
  }
  return values.length;
}

/** Bitsets of user indexes: base64 of whole little-endian 32-bit words, no member beyond the users listed. */
function bitsets(value: unknown, path: string, length: number, users: number): void {
  const list = array(value, path, length);
  list.forEach((item, i) => {
    const itemPath = at(path, i);
    const text = string(item, itemPath);
    // Buffer.from skips what is not base64, so only a text that encodes back to itself is one
    const bytes = Buffer.from(text, 'base64');
    if (bytes.toString('base64') !== text) throw problem(itemPath, 'base64 bitset words', text);
    if (bytes.length % 4 !== 0) throw new CheckpointError(`${itemPath} must hold whole 32-bit words, got ${bytes.length} bytes`);
    let last = bytes.length - 1;
    while (last >= 0 && bytes[last] === 0) last--;
    if (last < 0) return;
    const highest = last * 8 + (31 - Math.clz32(bytes[last]));
    if (highest >= users) throw new CheckpointError(`${itemPath} holds user ${highest} but the state lists only ${users} users`);
  });
}

function reasons(value: unknown, path: string, names: readonly string[]): number {
  const counts = object(value, path, { required: names });
  return names.reduce((sum, name) => sum + integer(counts[name], at(path, name)), 0);
}

function validateProgress(value: unknown, path: string, strategies: readonly Strategy[]): void {
  const w = object(value, path, { required: ['eventsRead', 'eventsValid', 'rejected', 'strategies'] });
  const read = integer(w.eventsRead, at(path, 'eventsRead'));
  const valid = integer(w.eventsValid, at(path, 'eventsValid'), 0, read);
  const rejected = reasons(w.rejected, at(path, 'rejected'), REJECT_REASONS);
  if (rejected !== read - valid) {
    throw new CheckpointError(`${at(path, 'rejected')} counts ${rejected} rejected events, but eventsRead - eventsValid is ${read - valid}`);
  }
  const saved = map(w.strategies, at(path, 'strategies'));
  checkStrategies(Object.keys(saved), strategies, at(path, 'strategies'));
  for (const strategy of strategies) {
    const p = at(at(path, 'strategies'), strategy);
    const progress = object(saved[strategy], p, { required: ['counted', 'unmatched'] });
    const counted = integer(progress.counted, at(p, 'counted'));
    const unmatched = reasons(progress.unmatched, at(p, 'unmatched'), UNMATCHED_REASONS);
    if (counted + unmatched > valid) throw new CheckpointError(`${p} joined ${counted + unmatched} events (counted + unmatched), more than the ${valid} valid events read`);
  }
}
