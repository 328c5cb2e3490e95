import { describe, expect, it } from 'vitest';
import { murmur2, partitionOf } from '../../../src/domain/dimensions/key-partition.ts';

describe('murmur2 / partitionOf', () => {
  // vectors from Apache Kafka's UtilsTest.testMurmur2
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %s like Kafka', (key, expected) => {
    expect(murmur2(key)).toBe(expected);
  });

  it('spreads user ids over partitions and stays in range', () => {
    const counts = new Array<number>(6).fill(0);
    for (let i = 1; i <= 60_000; i++) counts[partitionOf(`USR-${String(i).padStart(6, '0')}`, 6)]++;
    for (const n of counts) expect(n).toBeGreaterThan(9_000);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(60_000);
  });
});
