import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Reader, varintSize, VarintCursor, writeVarint, Writer } from '../../../src/kafka/wire/codec.ts';

// kafkajs's protocol encoder, an independent zigzag varint writer to compare against
const require = createRequire(import.meta.url);
const KafkajsEncoder = require('kafkajs/src/protocol/encoder.js') as new () => { writeVarInt(value: number): { buffer: Buffer } };
const kafkajsVarint = (value: number): Buffer => new KafkajsEncoder().writeVarInt(value).buffer;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('Writer and Reader', () => {
  it('write big-endian integers at their fixed widths', () => {
    const w = new Writer();
    w.int8(-2).int16(0x0102).int32(0x01020304).int64(0x0102030405).bool(true).bool(false);
    expect(hex(w.result())).toBe('fe' + '0102' + '01020304' + '0000000102030405' + '01' + '00');
  });

  it('round-trip int8/int16/int32 extremes and -1', () => {
    const int8s = [-128, -1, 0, 1, 127];
    const int16s = [-32768, -1, 0, 1, 32767];
    const int32s = [-(2 ** 31), -1, 0, 1, 2 ** 31 - 1];
    const w = new Writer(1);
    for (const v of int8s) w.int8(v);
    for (const v of int16s) w.int16(v);
    for (const v of int32s) w.int32(v);
    const bytes = w.result();
    expect(bytes.length).toBe(int8s.length + 2 * int16s.length + 4 * int32s.length);
    const r = new Reader(bytes);
    expect(int8s.map(() => r.int8())).toEqual(int8s);
    expect(int16s.map(() => r.int16())).toEqual(int16s);
    expect(int32s.map(() => r.int32())).toEqual(int32s);
    expect(r.remaining).toBe(0);
  });

  it('round-trip int64 values within 53 bits, negatives included, with the bytes Buffer writes', () => {
    const values = [0, 1, -1, 2 ** 32, 2 ** 32 - 1, -(2 ** 32), 2 ** 53 - 1, -(2 ** 53 - 1), -123456789012, 1_700_000_000_000];
    const w = new Writer(4);
    for (const v of values) w.int64(v);
    w.int64(-5n);
    const bytes = w.result();
    const expected = Buffer.alloc(8 * (values.length + 1));
    values.forEach((v, i) => expected.writeBigInt64BE(BigInt(v), 8 * i));
    expected.writeBigInt64BE(-5n, 8 * values.length);
    expect(hex(bytes)).toBe(hex(expected));
    expect(hex(bytes.subarray(16, 24))).toBe('ffffffffffffffff');
    expect(hex(bytes.subarray(48, 56))).toBe('001fffffffffffff');
    const r = new Reader(bytes);
    expect(values.map(() => r.int64())).toEqual(values);
    expect(r.int64()).toBe(-5);
  });

  it('writes strings with an int16 byte length (UTF-8), null as -1', () => {
    const samples = ['', 'abc', 'héllo wörld ✓', '日本語', '😀 emoji'];
    const w = new Writer(2);
    for (const s of samples) w.string(s);
    w.string(null);
    const bytes = w.result();
    const expected = Buffer.concat([
      ...samples.map((s) => {
        const utf8 = Buffer.from(s, 'utf8');
        const prefix = Buffer.alloc(2);
        prefix.writeInt16BE(utf8.length);
        return Buffer.concat([prefix, utf8]);
      }),
      Buffer.from([0xff, 0xff]),
    ]);
    expect(hex(bytes)).toBe(hex(expected));
    const r = new Reader(bytes);
    expect(samples.map(() => r.nullableString())).toEqual(samples);
    expect(r.nullableString()).toBeNull();
    expect(r.remaining).toBe(0);
  });

  it('reads a null string as "" through string()', () => {
    const r = new Reader(new Writer().string(null).string('x').result());
    expect(r.string()).toBe('');
    expect(r.string()).toBe('x');
  });

  it('writes bytes with an int32 length, null as -1, and reads them back as views of the frame', () => {
    const payload = Buffer.from([0, 1, 2, 0xfe, 0xff]);
    const w = new Writer();
    w.bytes(payload).bytes(null).bytes(new Uint8Array(0)).bytes(new Uint8Array([9, 8]));
    const bytes = w.result();
    expect(hex(bytes)).toBe('00000005' + '000102feff' + 'ffffffff' + '00000000' + '00000002' + '0908');
    const r = new Reader(bytes);
    const view = r.bytes() as Buffer;
    expect(hex(view)).toBe(hex(payload));
    expect(view.buffer).toBe(bytes.buffer);
    expect(view.byteOffset).toBe(bytes.byteOffset + 4);
    expect(r.bytes()).toBeNull();
    expect((r.bytes() as Buffer).length).toBe(0);
    expect(hex(r.bytes() as Buffer)).toBe('0908');
    expect(r.remaining).toBe(0);
  });

  it('writes large Buffers by reference but to the same bytes', () => {
    const big = Buffer.alloc(5000, 7);
    const w = new Writer();
    w.int16(1).bytes(big).int16(2);
    const pieces = w.pieces();
    expect(pieces).toHaveLength(3);
    expect(pieces[1]).toBe(big);
    const expected = Buffer.concat([Buffer.from('0001', 'hex'), Buffer.from('00001388', 'hex'), big, Buffer.from('0002', 'hex')]);
    expect(w.result().equals(expected)).toBe(true);
    const r = new Reader(w.result());
    expect(r.int16()).toBe(1);
    expect((r.bytes() as Buffer).equals(big)).toBe(true);
    expect(r.int16()).toBe(2);
  });

  it('writes arrays as an int32 count then the items, null as -1', () => {
    const w = new Writer();
    w.array([3, -4, 5], (x, v) => x.int32(v))
      .array([], (x, v: number) => x.int32(v))
      .array(null, (x, v: string) => x.string(v))
      .array(['a', 'bc'], (x, s) => x.string(s));
    const bytes = w.result();
    expect(hex(bytes)).toBe('00000003' + '00000003fffffffc00000005' + '00000000' + 'ffffffff' + '00000002' + '000161' + '00026263');
    const r = new Reader(bytes);
    expect(r.array((x) => x.int32())).toEqual([3, -4, 5]);
    expect(r.array((x) => x.int32())).toEqual([]);
    expect(r.int32()).toBe(-1);
    expect(r.array((x) => x.string())).toEqual(['a', 'bc']);
  });

  it('round-trips nested arrays', () => {
    const topics = [
      { name: 't1', partitions: [0, 1, 2] },
      { name: 'tópico', partitions: [] },
      { name: 't3', partitions: [7] },
    ];
    const w = new Writer(8);
    w.array(topics, (x, t) => x.string(t.name).array(t.partitions, (y, p) => y.int32(p)));
    const r = new Reader(w.result());
    expect(r.array((x) => ({ name: x.string(), partitions: x.array((y) => y.int32()) }))).toEqual(topics);
  });

  it('attach() pieces concatenate to the same bytes as raw() writes, across buffer growth', () => {
    const a = Buffer.from('first attached piece');
    const b = Buffer.alloc(700, 0xab);
    const tail = Buffer.alloc(1000, 0x5c); // forces the writer's buffer to grow after attaching
    const attached = new Writer(16);
    attached.int32(42).attach(a).int16(-1).attach(b).attach(a).raw(tail).string('end');
    const copied = new Writer(16);
    copied.int32(42).raw(a).int16(-1).raw(b).raw(a).raw(tail).string('end');

    const pieces = attached.pieces();
    expect(pieces[1]).toBe(a);
    expect(pieces[3]).toBe(b);
    expect(hex(pieces[0])).toBe('0000002a');
    expect(Buffer.concat(pieces).equals(copied.result())).toBe(true);
    expect(attached.result().equals(copied.result())).toBe(true);
    expect(copied.pieces()).toHaveLength(1);
  });

  it('lets a caller patch the first piece in place (the size prefix of a request)', () => {
    const w = new Writer();
    w.int32(0).int16(3).attach(Buffer.from([1, 2, 3])).int8(4);
    const pieces = w.pieces();
    const size = pieces.reduce((n, p) => n + p.length, 0) - 4;
    pieces[0].writeInt32BE(size, 0);
    expect(hex(Buffer.concat(pieces))).toBe('00000006' + '0003' + '010203' + '04');
  });

  it('reads only within [offset, end)', () => {
    const bytes = Buffer.from('ffff000000070008', 'hex');
    const r = new Reader(bytes, 2, 6);
    expect(r.remaining).toBe(4);
    expect(r.int32()).toBe(7);
    expect(r.remaining).toBe(0);
  });
});

describe('zigzag varints', () => {
  const values = [0, 1, -1, 63, -63, 64, -64, 65, -65, 8191, -8191, 8192, -8192, 1_000_000, -1_000_000, 2 ** 31 - 1, -(2 ** 31)];

  it('encode known values as the Kafka/protobuf spec does', () => {
    const encode = (v: number): string => {
      const b = new Uint8Array(5);
      return hex(b.subarray(0, writeVarint(b, 0, v)));
    };
    expect(encode(0)).toBe('00');
    expect(encode(-1)).toBe('01');
    expect(encode(1)).toBe('02');
    expect(encode(-2)).toBe('03');
    expect(encode(63)).toBe('7e');
    expect(encode(-64)).toBe('7f');
    expect(encode(64)).toBe('8001');
    expect(encode(-65)).toBe('8101');
    expect(encode(8191)).toBe('fe7f');
    expect(encode(-8192)).toBe('ff7f');
    expect(encode(8192)).toBe('808001');
    expect(encode(2 ** 31 - 1)).toBe('feffffff0f');
    expect(encode(-(2 ** 31))).toBe('ffffffff0f');
  });

  it('agree byte for byte with an independent encoder', () => {
    for (const v of values) {
      const b = new Uint8Array(5);
      expect(hex(b.subarray(0, writeVarint(b, 0, v))), `value ${v}`).toBe(hex(kafkajsVarint(v)));
    }
  });

  it('round-trip through writeVarint and VarintCursor, with varintSize equal to the written length', () => {
    const buffer = new Uint8Array(5 * values.length + 3);
    buffer[0] = 0xee; // writes start where asked
    let at = 1;
    const ends: number[] = [];
    for (const v of values) {
      const after = writeVarint(buffer, at, v);
      expect(after - at, `size of ${v}`).toBe(varintSize(v));
      ends.push(after);
      at = after;
    }
    expect(buffer[0]).toBe(0xee);
    const cursor = new VarintCursor(buffer, 1);
    values.forEach((v, i) => {
      expect(cursor.varint()).toBe(v);
      expect(cursor.at).toBe(ends[i]);
    });
  });

  it('have the sizes of the spec at the 7-bit boundaries', () => {
    expect([0, -64, 63, 64, -65, 8191, -8192, 8192, -8193, 2 ** 20 - 1, 2 ** 20, 2 ** 27 - 1, 2 ** 27, 2 ** 31 - 1, -(2 ** 31)].map(varintSize)).toEqual([
      1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 5,
    ]);
  });

  it('skipVarint steps over a varint of any length, varlongs included', () => {
    // a 64-bit timestamp delta as a 10-byte varlong, then a one-byte varint
    const bytes = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02, 0x80, 0x01, 0x7f]);
    const cursor = new VarintCursor(bytes, 0);
    cursor.skipVarint();
    expect(cursor.at).toBe(10);
    expect(cursor.varint()).toBe(1);
    cursor.skipVarint();
    expect(cursor.at).toBe(13);
    expect(cursor.varint()).toBe(-64);
  });
});
