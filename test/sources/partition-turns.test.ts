import { describe, expect, it } from 'vitest';
import { PartitionTurns } from '../../src/sources/partition-turns.ts';

const drain = (turns: PartitionTurns<{ key: string; n: number }>): string[] => {
  const out: string[] = [];
  for (let item = turns.shift(); item !== undefined; item = turns.shift()) out.push(`${item.key}${item.n}`);
  return out;
};

describe('PartitionTurns', () => {
  it('hands out each partition in order, the partitions in turns, whatever order they were queued in', () => {
    const turns = new PartitionTurns<{ key: string; n: number }>();
    for (let n = 0; n < 3; n++) turns.push({ key: 'a', n });
    turns.push({ key: 'b', n: 0 });
    turns.push({ key: 'b', n: 1 });
    turns.push({ key: 'c', n: 0 });
    expect(turns.shift()).toEqual({ key: 'a', n: 0 });
    // a partition queued again after its queue emptied takes the back of the line
    turns.push({ key: 'c', n: 1 });
    expect(drain(turns)).toEqual(['b0', 'c0', 'a1', 'b1', 'c1', 'a2']);
    expect(turns.shift()).toBeUndefined();
  });

  it('drops the partitions asked and keeps the turns of the rest', () => {
    const turns = new PartitionTurns<{ key: string; n: number }>();
    for (const key of ['t/0', 'u/0', 't/1']) for (let n = 0; n < 2; n++) turns.push({ key, n });
    const kept = turns.dropWhere((key) => key.startsWith('t/'));
    expect(kept.map((s) => `${s.key}${s.n}`)).toEqual(['u/00', 'u/01']);
    expect(drain(turns)).toEqual(['u/00', 'u/01']);
    turns.push({ key: 't/0', n: 9 });
    turns.clear();
    expect(turns.shift()).toBeUndefined();
  });
});
