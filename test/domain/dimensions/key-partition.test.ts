import kafkajs from 'kafkajs';
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

  it('puts every key where the kafkajs default partitioner puts it', () => {
    const partitioner = kafkajs.Partitioners.DefaultPartitioner();
    for (const n of [1, 6, 7]) {
      const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
      for (let i = 0; i < 2_000; i++) {
        const key = i % 3 === 0 ? `USR-${i}` : `ART-${String(i).padStart(5, '0')}-é`;
        expect(partitionOf(key, n)).toBe(partitioner({ topic: 't', partitionMetadata, message: { key, value: null } }));
      }
    }
  });
});
