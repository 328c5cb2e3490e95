import { createDictionaries, type Dictionaries } from '../domain/dictionary.ts';
import { STRATEGIES, type Strategy } from '../domain/run-progress.ts';
import { CheckpointError, REJECT_REASONS, UNMATCHED_REASONS } from '../errors.ts';
import type { PipelineState } from '../pipeline.ts';
import { array, at, integer, integers, map, object, problem, string } from './json-check.ts';

/**
 * The checks on a saved PipelineState, deep enough that Pipeline.importState and each
 * aggregate's importState get exactly the shapes their exportState wrote: every dictionary, every
 * id inside its dictionary, columns of one length, integers where integers are counted, bitsets
 * as whole 32-bit words of users that exist. Pure: throws a CheckpointError naming the first
 * problem with its JSON path.
 */
export const STATE_VERSION = 1;
const DICTIONARY_NAMES = Object.keys(createDictionaries()) as (keyof Dictionaries)[];
type Sizes = Record<keyof Dictionaries, number>;

export function validatePipelineState(value: unknown, strategies: readonly Strategy[], path = 'state'): PipelineState {
  const state = object(value, path, { required: ['version', 'dicts', 'reports', 'progress'] });
  if (state.version !== STATE_VERSION) throw problem(at(path, 'version'), String(STATE_VERSION), state.version);
  const sizes = validateDicts(state.dicts, at(path, 'dicts'));
  const reports = map(state.reports, at(path, 'reports'));
  checkStrategies(Object.keys(reports), strategies, at(path, 'reports'));
  for (const strategy of strategies) validateReportSet(reports[strategy], at(at(path, 'reports'), strategy), sizes);
  validateProgress(state.progress, at(path, 'progress'), strategies);
  return value as PipelineState;
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

function validateDicts(value: unknown, path: string): Sizes {
  const dicts = object(value, path, { required: DICTIONARY_NAMES });
  const sizes = {} as Sizes;
  for (const name of DICTIONARY_NAMES) {
    const values = array(dicts[name], at(path, name));
    const seen = new Set<string>();
    // paths are built only for a problem: dictionaries hold every user
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'string') string(v, at(at(path, name), i));
      // a repeated value would be interned once and shift every id after it
      else if (seen.has(v)) throw new CheckpointError(`${at(at(path, name), i)} repeats ${JSON.stringify(v)}: dictionary values must be distinct`);
      else seen.add(v);
    }
    sizes[name] = values.length;
  }
  return sizes;
}

/** The six aggregates in ReportSet.all order. */
function validateReportSet(value: unknown, path: string, sizes: Sizes): void {
  const parts = array(value, path, 6);
  const [genre, regional, subscription, ad, artist, daily] = parts.map((part, i) => at(path, i));
  {
    const s = object(parts[0], genre, { required: ['adUnits', 'listeners'] });
    const n = integers(s.adUnits, at(genre, 'adUnits')).length;
    checkRows(n, sizes.genre, at(genre, 'adUnits'), 'genre');
    bitsets(s.listeners, at(genre, 'listeners'), n, sizes.user);
  }
  pairColumns(parts[1], regional, ['streams', 'adUnits'], sizes.region, sizes.country, 'region', 'country');
  {
    const s = object(parts[2], subscription, { required: ['users', 'streams', 'durationSum', 'adUnits'] });
    const n = integers(s.streams, at(subscription, 'streams')).length;
    checkRows(n, sizes.plan, at(subscription, 'streams'), 'plan');
    bitsets(s.users, at(subscription, 'users'), n, sizes.user);
    integers(s.durationSum, at(subscription, 'durationSum'), { length: n });
    integers(s.adUnits, at(subscription, 'adUnits'), { length: n });
  }
  pairColumns(parts[3], ad, ['impressions', 'adUnits'], sizes.device, sizes.genre, 'device', 'genre');
  pairColumns(parts[4], artist, ['streams', 'rateUnits'], sizes.artist, sizes.label, 'artist', 'label');
  {
    const s = object(parts[5], daily, { required: ['streams', 'adUnits', 'users'] });
    const n = integers(s.streams, at(daily, 'streams')).length;
    checkRows(n, sizes.day, at(daily, 'streams'), 'day');
    integers(s.adUnits, at(daily, 'adUnits'), { length: n });
    bitsets(s.users, at(daily, 'users'), n, sizes.user);
  }
}

/** Rows are indexed by a dictionary id, so there can be no more rows than values. */
function checkRows(rows: number, dictSize: number, path: string, dict: string): void {
  if (rows > dictSize) throw new CheckpointError(`${path} has ${rows} rows but dicts.${dict} has only ${dictSize} values`);
}

/** An aggregate over a PairIndex: distinct (first, second) id pairs and one value per pair in each column. */
function pairColumns(value: unknown, path: string, columns: readonly string[], firstSize: number, secondSize: number, firstDict: string, secondDict: string): void {
  const s = object(value, path, { required: ['pairs', ...columns] });
  const pairsPath = at(path, 'pairs');
  const pairs = object(s.pairs, pairsPath, { required: ['firsts', 'seconds'] });
  const firsts = integers(pairs.firsts, at(pairsPath, 'firsts'), { below: firstSize, belowWhat: `the size of dicts.${firstDict}` });
  const seconds = integers(pairs.seconds, at(pairsPath, 'seconds'), { length: firsts.length, below: secondSize, belowWhat: `the size of dicts.${secondDict}` });
  const seen = new Set<number>();
  for (let i = 0; i < firsts.length; i++) {
    const key = firsts[i] * (secondSize + 1) + seconds[i];
    if (seen.has(key)) throw new CheckpointError(`${at(pairsPath, 'firsts')}[${i}] repeats the pair (${firsts[i]}, ${seconds[i]}): pairs must be distinct`);
    seen.add(key);
  }
  for (const column of columns) integers(s[column], at(path, column), { length: firsts.length });
}

/** Bitsets of user ids: base64 of whole little-endian 32-bit words, no member beyond dicts.user. */
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
    if (highest >= users) throw new CheckpointError(`${itemPath} holds user id ${highest} but dicts.user has only ${users} values`);
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
