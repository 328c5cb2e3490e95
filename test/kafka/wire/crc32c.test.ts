import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../src/kafka/wire/crc32c.ts';

// kafkajs ships an independent (table-driven, byte-at-a-time) CRC-32C: a second opinion on any input
const require = createRequire(import.meta.url);
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (buffer: Buffer) => number;

const bytesOf = (values: readonly number[]): Buffer => Buffer.from(values);
const range = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

describe('crc32c', () => {
  it('gives the standard CRC-32C check value for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789', 'ascii'))).toBe(0xe3069283);
  });

  it('gives 0 for no bytes', () => {
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('matches the RFC 3720 (iSCSI) test vectors', () => {
    expect(crc32c(Buffer.alloc(32, 0x00))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(bytesOf(range(32, (i) => i)))).toBe(0x46dd794e);
    expect(crc32c(bytesOf(range(32, (i) => 31 - i)))).toBe(0x113fdb5c);
  });

  it('returns an unsigned 32-bit number', () => {
    const value = crc32c(Buffer.alloc(32, 0x00));
    expect(value).toBeGreaterThan(0x7fffffff);
    expect(Number.isInteger(value)).toBe(true);
  });

  it('checksums start/end sub-ranges exactly as a sliced copy, for every length 0..40 and several starts', () => {
    const data = bytesOf(range(64, (i) => (i * 37 + 11) & 0xff));
    for (let start = 0; start < 9; start++) {
      for (let length = 0; length <= 40; length++) {
        const end = start + length;
        const copy = Buffer.from(data.subarray(start, end));
        expect(crc32c(data, start, end), `start ${start}, length ${length}`).toBe(crc32c(copy));
        expect(crc32c(copy), `start ${start}, length ${length}`).toBe(kafkajsCrc32c(copy));
      }
    }
  });

  it('agrees with an independent implementation on pseudo-random inputs of many lengths', () => {
    let seed = 12345;
    const next = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    };
    for (const length of [1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 256, 1000, 4099]) {
      const data = bytesOf(range(length, next));
      expect(crc32c(data), `length ${length}`).toBe(kafkajsCrc32c(data));
    }
  });

  it('reads a Uint8Array that is not a Buffer the same way', () => {
    const data = new Uint8Array(range(40, (i) => 255 - i));
    expect(crc32c(data)).toBe(crc32c(Buffer.from(data)));
  });
});
