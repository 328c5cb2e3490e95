import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePipelineState } from '../../src/checkpoint/state-schema.ts';
import type { Strategy } from '../../src/domain/run-progress.ts';
import { CheckpointError } from '../../src/errors.ts';
import { Prng } from '../../src/generator/index.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { generateItems, newPipeline, realState, type Loose } from './checkpoint-fixture.ts';

const BOTH: readonly Strategy[] = ['cached', 'naive'];
let dir: string;
let state: Record<string, Loose>;

beforeAll(async () => {
  dir = await makeTempDir('streampulse-state-schema-');
  const items = await generateItems(join(dir, 'data'));
  state = (await realState(items, { strategies: BOTH, eventBatches: 5 })).raw;
});
afterAll(async () => {
  await removeTempDir(dir);
});

function mutated(change: (s: Record<string, Loose>) => void): Record<string, Loose> {
  const s = structuredClone(state);
  change(s);
  return s;
}

/** The problem validatePipelineState names; importState must refuse the same state as a CheckpointError too. */
function problemOf(s: unknown): string {
  let caught: unknown;
  try {
    validatePipelineState(s, BOTH);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CheckpointError);
  expect(() => newPipeline(BOTH).importState(s)).toThrow(CheckpointError);
  return (caught as Error).message;
}

// each report's state is named: state.reports.<strategy>.<report> with keys, measures and users
describe('state validation, deep enough that importState cannot break', () => {
  it('accepts the real state', () => {
    expect(validatePipelineState(state, BOTH)).toBe(state);
  });

  it.each<[string, (s: Record<string, Loose>) => void, string | ((o: Record<string, Loose>) => string)]>([
    ['a missing report', (s) => delete s.partitions['0'].cached.daily_summary, 'state.partitions["0"].cached.daily_summary must be present, got nothing'],
    ['a report of another name', (s) => (s.partitions['0'].cached.genre_revenue.name = 'daily_summary'), 'state.partitions["0"].cached.genre_revenue.name must be "genre_revenue", got "daily_summary"'],
    ['a report state of another version', (s) => (s.partitions['0'].naive.artist_payouts.version = 2), 'state.partitions["0"].naive.artist_payouts.version must be 1 (this build\'s artist_payouts state), got 2'],
    ['a key of the wrong arity', (s) => s.partitions['0'].cached.regional_breakdown.keys[0].pop(), 'state.partitions["0"].cached.regional_breakdown.keys[0] must be an array of 2, got an array of 1'],
    ['a key value that is not a string', (s) => (s.partitions['0'].cached.genre_revenue.keys[0][0] = 7), 'state.partitions["0"].cached.genre_revenue.keys[0][0] must be a string, got 7'],
    ['a repeated group', (s) => {
      const keys = s.partitions['0'].cached.ad_performance.keys;
      keys[1] = [...keys[0]];
    }, (o) => `state.partitions["0"].cached.ad_performance.keys[1] repeats the group ${JSON.stringify(o.partitions['0'].cached.ad_performance.keys[0])}: groups must be distinct`],
    ['a missing measure', (s) => delete s.partitions['0'].cached.subscription_analysis.measures.durationSum, 'state.partitions["0"].cached.subscription_analysis.measures.durationSum must be present, got nothing'],
    ['columns of different lengths', (s) => s.partitions['0'].naive.subscription_analysis.measures.durationSum.pop(), (o) => `state.partitions["0"].naive.subscription_analysis.measures.durationSum must be an array of ${o.partitions['0'].naive.subscription_analysis.keys.length}, got an array of ${o.partitions['0'].naive.subscription_analysis.keys.length - 1}`],
    ['a fractional count', (s) => (s.partitions['0'].cached.regional_breakdown.measures.streams[0] = 1.5), 'state.partitions["0"].cached.regional_breakdown.measures.streams[0] must be a non-negative integer, got 1.5'],
    ['a negative sum', (s) => (s.partitions['0'].cached.artist_payouts.measures.rateUnits[2] = -1), 'state.partitions["0"].cached.artist_payouts.measures.rateUnits[2] must be a non-negative integer, got -1'],
    ['a repeated user (one user under two indexes)', (s) => s.partitions['0'].cached.genre_revenue.users.push(s.partitions['0'].cached.genre_revenue.users[0]), (o) => `state.partitions["0"].cached.genre_revenue.users[${o.partitions['0'].cached.genre_revenue.users.length}] repeats ${JSON.stringify(o.partitions['0'].cached.genre_revenue.users[0])}: values must be distinct`],
    ['a bitset that is not base64', (s) => (s.partitions['0'].cached.genre_revenue.measures.listeners[0] = 'not base64!'), 'state.partitions["0"].cached.genre_revenue.measures.listeners[0] must be base64 bitset words, got "not base64!"'],
    ['a bitset of a partial word', (s) => (s.partitions['0'].cached.daily_summary.measures.users[0] = Buffer.from([1, 2, 3]).toString('base64')), 'state.partitions["0"].cached.daily_summary.measures.users[0] must hold whole 32-bit words, got 3 bytes'],
    ['a bitset with a user that is not listed', (s) => {
      const listed = s.partitions['0'].naive.subscription_analysis.users.length;
      const words = new Uint32Array(Math.ceil((listed + 1) / 32));
      words[listed >>> 5] |= 1 << (listed & 31);
      s.partitions['0'].naive.subscription_analysis.measures.users[0] = Buffer.from(words.buffer).toString('base64');
    }, (o) => `state.partitions["0"].naive.subscription_analysis.measures.users[0] holds user ${o.partitions['0'].naive.subscription_analysis.users.length} but the state lists only ${o.partitions['0'].naive.subscription_analysis.users.length} users`],
    ['rejections that do not add up', (s) => (s.progress['1'].rejected.not_json += 1), (o) => `state.progress["1"].rejected counts ${o.progress['1'].eventsRead - o.progress['1'].eventsValid + 1} rejected events, but eventsRead - eventsValid is ${o.progress['1'].eventsRead - o.progress['1'].eventsValid}`],
    ['more valid events than read', (s) => (s.progress['1'].eventsValid = s.progress['1'].eventsRead + 1), (o) => `state.progress["1"].eventsValid must be an integer from 0 to ${o.progress['1'].eventsRead}, got ${o.progress['1'].eventsRead + 1}`],
    ['a strategy missing from the progress', (s) => delete s.progress['2'].strategies.naive, 'state.progress["2"].strategies.naive is missing: this run uses strategy naive and the checkpoint has no state for it'],
    ['an unknown strategy', (s) => (s.partitions['0'].fast = {}), 'state.partitions["0"].fast is not a strategy (cached, naive)'],
  ])('refuses %s', (_, change, problem) => {
    expect(problemOf(mutated(change))).toBe(typeof problem === 'string' ? problem : problem(state));
  });

  it('restores the real state into a working pipeline', () => {
    const p = newPipeline(BOTH);
    p.importState(structuredClone(state));
    expect(p.progress.eventsReadTotal).toBe(2_500);
  });

  /**
   * Any single corruption of any value in a real saved state is either refused as a CheckpointError
   * or restores into a pipeline whose every report still renders with real dictionary values.
   */
  it('refuses or safely restores every random corruption, never a TypeError', () => {
    const leaves: (string | number)[][] = [];
    const walk = (value: unknown, path: (string | number)[]): void => {
      if (value !== null && typeof value === 'object') {
        const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
        // long arrays: the first and the last element stand for the rest
        const chosen = Array.isArray(value) && entries.length > 4 ? [entries[0], entries[entries.length - 1]] : entries;
        for (const [key, child] of chosen) walk(child, [...path, key]);
      }
      leaves.push(path);
    };
    walk(state, []);
    const random = new Prng(99);
    const replacements: unknown[] = [null, -1, 1.5, 'x', '', {}, [], 2 ** 60, true, 0, 1_000_000];
    let refused = 0;
    let restored = 0;
    for (const path of leaves.filter((p) => p.length > 0)) {
      for (const mode of ['delete', 'replace', 'replace']) {
        const c = structuredClone(state);
        let parent: Loose = c;
        for (const key of path.slice(0, -1)) parent = parent[key];
        const last = path[path.length - 1];
        if (mode === 'delete') {
          if (Array.isArray(parent)) parent.splice(last as number, 1);
          else delete parent[last];
        } else parent[last] = replacements[random.nextUint32() % replacements.length];
        let valid: ReturnType<typeof validatePipelineState> | null = null;
        try {
          valid = validatePipelineState(c, BOTH);
        } catch (error) {
          expect(error, `${mode} ${JSON.stringify(path)}`).toBeInstanceOf(CheckpointError);
          refused++;
          continue;
        }
        const p = newPipeline(BOTH);
        p.importState(valid);
        for (const strategy of BOTH) {
          for (const rows of Object.values(p.snapshot(strategy).reports)) {
            for (const row of rows as Record<string, unknown>[]) for (const cell of Object.values(row)) expect(cell, `${mode} ${JSON.stringify(path)}`).not.toBeUndefined();
          }
        }
        restored++;
      }
    }
    expect(refused).toBeGreaterThan(300);
    expect(restored).toBeGreaterThan(0);
  });
});
