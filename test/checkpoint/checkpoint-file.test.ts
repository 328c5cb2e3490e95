import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, readCheckpoint, type CheckpointExpectation } from '../../src/checkpoint/checkpoint-file.ts';
import type { Strategy } from '../../src/domain/run-progress.ts';
import { CheckpointError } from '../../src/errors.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { generateItems, writeRealCheckpoint, type Items, type Loose } from './checkpoint-fixture.ts';

const BOTH: readonly Strategy[] = ['cached', 'naive'];
let dir: string;
let items: Items;
/** A real checkpoint of both strategies, as parsed JSON; each test mutates a copy. */
let valid: Record<string, unknown>;
let cachedOnly: Record<string, unknown>;
let file = 0;

beforeAll(async () => {
  dir = await makeTempDir('streampulse-checkpoint-file-');
  items = await generateItems(join(dir, 'data'));
  valid = (await writeRealCheckpoint(join(dir, 'both.json'), items, { strategies: BOTH, eventBatches: 7 })).raw;
  cachedOnly = (await writeRealCheckpoint(join(dir, 'cached.json'), items, { strategies: ['cached'], eventBatches: 7 })).raw;
});
afterAll(async () => {
  await removeTempDir(dir);
});

function copy(): Record<string, Loose> {
  return structuredClone(valid);
}

function writeText(text: string): string {
  const path = join(dir, `checkpoint-${++file}.json`);
  writeFileSync(path, text);
  return path;
}

/** Reads `text` as a checkpoint and returns the one error line; fails if it is anything but a CheckpointError. */
function refusal(text: string, expected: CheckpointExpectation = { group: 'g', topic: 't', strategies: BOTH }): { path: string; message: string } {
  const path = writeText(text);
  let caught: unknown;
  try {
    readCheckpoint(path, expected);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CheckpointError);
  const message = (caught as Error).message;
  expect(message.split('\n')).toHaveLength(1);
  expect((caught as CheckpointError).code).toBe('SP_CHECKPOINT');
  expect((caught as CheckpointError).exitCode).toBe(1);
  // never overwritten or removed by a refusal
  expect(readFileSync(path, 'utf8')).toBe(text);
  return { path, message };
}

function expectRefused(value: unknown, problem: string, expected?: CheckpointExpectation): void {
  const { path, message } = refusal(JSON.stringify(value), expected);
  expect(message).toBe(`checkpoint ${path} is invalid: ${problem}`);
}

describe('readCheckpoint refuses every reproduction with one line', () => {
  it('reads the real checkpoint back as written', () => {
    const path = writeText(JSON.stringify(valid));
    const checkpoint = readCheckpoint(path, { group: 'g', topic: 't', strategies: BOTH });
    expect(checkpoint).toEqual({ ...valid, deadLettersUnwritten: 0 });
    expect(checkpoint?.step).toBe(1);
  });

  it('has no checkpoint when there is no file', () => {
    expect(readCheckpoint(join(dir, 'absent.json'), { group: 'g', topic: 't', strategies: BOTH })).toBeNull();
  });

  it('null', () => expectRefused(null, 'the file must be a JSON object, got null'));
  it('no state', () => {
    const c = copy();
    delete c.state;
    expectRefused(c, 'state must be present, got nothing');
  });
  it('state {}', () => expectRefused({ ...copy(), state: {} }, 'state.version must be present, got nothing'));
  it('a negative offset', () => {
    const c = copy();
    c.offsets['3'] = -5;
    expectRefused(c, 'offsets["3"] must be a non-negative integer, got -5');
  });
  it('a text offset', () => {
    const c = copy();
    c.offsets['0'] = '12';
    expectRefused(c, 'offsets["0"] must be a non-negative integer, got "12"');
  });
  it('a partition that is not a number', () => {
    const c = copy();
    c.offsets['-1'] = 4;
    expectRefused(c, 'offsets["-1"] is not a partition number (a non-negative integer)');
  });
  it('offsets {} with a full state (would count every event twice)', () => {
    const read = valid.state as { progress: { eventsRead: number } };
    expect(read.progress.eventsRead).toBe(3_500);
    expectRefused({ ...copy(), offsets: {}, folded: {} }, 'offsets must name the partitions the state\'s 3500 events were read from, got {} (resuming would read them again)');
  });
  it('offsets that disagree with the events the state folded', () => {
    const c = copy();
    c.offsets['0'] -= 1;
    c.folded['0'] -= 1;
    expectRefused(c, 'state.progress.eventsRead must equal the events folded per partition (3499), got 3500: the state and the offsets disagree');
  });
  it('a wrong version', () => {
    expectRefused({ ...copy(), version: 1 }, 'version must be 2 (this build reads checkpoint version 2 only), got 1');
  });
  it('a wrong group', () => {
    expectRefused(copy(), 'group must be "other" (this run\'s consumer group), got "g"', { group: 'other', topic: 't', strategies: BOTH });
  });
  it('a wrong topic', () => {
    expectRefused(copy(), 'topic must be "events" (this run\'s events topic), got "t"', { group: 'g', topic: 'events', strategies: BOTH });
  });
  it('a strategy the run uses is missing', () => {
    expectRefused(cachedOnly, 'state.partitions["0"].naive is missing: this run uses strategy naive and the checkpoint has no state for it');
  });
  it('a strategy the run does not use', () => {
    expectRefused(copy(), 'state.partitions["0"].naive is state for strategy naive, which this run does not use (--strategy cached)', { group: 'g', topic: 't', strategies: ['cached'] });
  });
  it('truncated JSON', () => {
    const text = JSON.stringify(valid);
    const { path, message } = refusal(text.slice(0, text.length / 2));
    expect(message).toMatch(new RegExp(`^checkpoint ${path} is unreadable: .*JSON`));
  });
  it('a step that is not a positive integer', () => expectRefused({ ...copy(), step: 0 }, 'step must be an integer of at least 1, got 0'));
  it('writtenAt that is not an ISO time', () => expectRefused({ ...copy(), writtenAt: 'yesterday' }, 'writtenAt must be an ISO time like 2025-01-31T12:00:00.000Z, got "yesterday"'));
  it('deadLettersUnwritten: carried when valid, refused when not', () => {
    const path = writeText(JSON.stringify({ ...copy(), deadLettersUnwritten: 4 }));
    expect(readCheckpoint(path, { group: 'g', topic: 't', strategies: BOTH })?.deadLettersUnwritten).toBe(4);
    expectRefused({ ...copy(), deadLettersUnwritten: 1.5 }, 'deadLettersUnwritten must be a non-negative integer, got 1.5');
  });
  it('an unknown field', () => expectRefused({ ...copy(), ofsets: {} }, 'ofsets is not a field of this checkpoint format'));
});

describe('--discard-checkpoint', () => {
  it('moves an invalid checkpoint aside, logs one line and starts from the beginning', () => {
    const text = '{"version": 2, "state": nul';
    const path = writeText(text);
    const expected = { group: 'g', topic: 't', strategies: BOTH };
    expect(() => loadCheckpoint(path, { ...expected, discard: false, log: () => {} })).toThrow(CheckpointError);
    expect(readFileSync(path, 'utf8')).toBe(text);

    const logs: string[] = [];
    expect(loadCheckpoint(path, { ...expected, discard: true, log: (line) => logs.push(line) })).toBeNull();
    expect(existsSync(path)).toBe(false);
    const name = path.split('/').pop() as string;
    const aside = readdirSync(dir).filter((f) => f.startsWith(`${name}.discarded-`));
    expect(aside).toHaveLength(1);
    expect(aside[0]).toMatch(/\.discarded-\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(readFileSync(join(dir, aside[0]), 'utf8')).toBe(text);
    expect(logs).toEqual([`--discard-checkpoint: moved ${path} to ${join(dir, aside[0])}; starting from the beginning`]);
  });

  it('does nothing when there is no checkpoint', () => {
    const logs: string[] = [];
    expect(loadCheckpoint(join(dir, 'none.json'), { group: 'g', topic: 't', strategies: BOTH, discard: true, log: (l) => logs.push(l) })).toBeNull();
    expect(logs).toEqual([]);
  });
});
