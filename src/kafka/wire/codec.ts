/**
 * Kafka's primitive types (big-endian integers, zigzag varints, int16-length strings, int32-length
 * bytes, int32-count arrays) over one growable buffer. Only the non-flexible request versions are
 * used, so there are no compact types or tagged fields here.
 */
export class Writer {
  buffer: Buffer;
  length = 0;
  /** Finished pieces: views of earlier writes and attached buffers, in order. */
  private readonly finished: Buffer[] = [];
  private mark = 0;

  constructor(capacity = 256) {
    this.buffer = Buffer.allocUnsafe(Math.max(capacity, 16));
  }

  ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  int8(value: number): this {
    this.ensure(1);
    this.buffer.writeInt8(value, this.length);
    this.length += 1;
    return this;
  }

  int16(value: number): this {
    this.ensure(2);
    this.buffer.writeInt16BE(value, this.length);
    this.length += 2;
    return this;
  }

  int32(value: number): this {
    this.ensure(4);
    this.buffer.writeInt32BE(value, this.length);
    this.length += 4;
    return this;
  }

  /** Offsets and producer ids stay below 2^53 in practice; -1 is common. */
  int64(value: number | bigint): this {
    this.ensure(8);
    this.buffer.writeBigInt64BE(BigInt(value), this.length);
    this.length += 8;
    return this;
  }

  bool(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  string(value: string | null): this {
    if (value === null) return this.int16(-1);
    const bytes = Buffer.byteLength(value);
    this.int16(bytes);
    this.ensure(bytes);
    this.buffer.write(value, this.length, 'utf8');
    this.length += bytes;
    return this;
  }

  bytes(value: Uint8Array | null): this {
    if (value === null) return this.int32(-1);
    this.int32(value.length);
    if (value.length >= 4096 && Buffer.isBuffer(value)) return this.attach(value);
    this.raw(value);
    return this;
  }

  raw(value: Uint8Array): this {
    this.ensure(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
    return this;
  }

  array<T>(items: readonly T[] | null, each: (writer: this, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) each(this, item);
    return this;
  }

  /**
   * Appends `bytes` by reference: large record batches go to the socket as their own piece of a
   * vectored write instead of being copied into the request.
   */
  attach(bytes: Buffer): this {
    this.finished.push(this.buffer.subarray(this.mark, this.length), bytes);
    this.mark = this.length;
    return this;
  }

  /** Everything written, in order; the first piece starts at the first byte written. */
  pieces(): Buffer[] {
    return [...this.finished, this.buffer.subarray(this.mark, this.length)];
  }

  result(): Buffer {
    const pieces = this.pieces();
    return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
  }
}

/** Reads one response frame; `offset` advances as fields are read. */
export class Reader {
  offset: number;

  constructor(
    readonly buffer: Buffer,
    offset = 0,
    readonly end = buffer.length,
  ) {
    this.offset = offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  int8(): number {
    const v = this.buffer.readInt8(this.offset);
    this.offset += 1;
    return v;
  }

  int16(): number {
    const v = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    const v = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  /** As a number: offsets, timestamps and producer ids fit in 53 bits. */
  int64(): number {
    const high = this.buffer.readInt32BE(this.offset);
    const low = this.buffer.readUInt32BE(this.offset + 4);
    this.offset += 8;
    return high * 4294967296 + low;
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  string(): string {
    const s = this.nullableString();
    return s ?? '';
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    const s = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return s;
  }

  /** A view into the frame, not a copy. */
  bytes(): Buffer | null {
    const length = this.int32();
    if (length < 0) return null;
    const view = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return view;
  }

  array<T>(each: (reader: this) => T): T[] {
    const count = this.int32();
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(each(this));
    return out;
  }
}

/** Bytes a zigzag varint takes. */
export function varintSize(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}

/** Writes a zigzag varint (32-bit range) at `at`; returns the offset after it. */
export function writeVarint(buffer: Uint8Array, at: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    buffer[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buffer[at++] = v;
  return at;
}

/**
 * A cursor over record bytes for zigzag varints (values within ±2^31; longer varlongs such as
 * timestamp deltas are skipped by `skipVarint`).
 */
export class VarintCursor {
  constructor(
    public buffer: Uint8Array,
    public at: number,
  ) {}

  varint(): number {
    const b = this.buffer;
    let byte = b[this.at++];
    let value = byte & 0x7f;
    let shift = 7;
    while (byte & 0x80) {
      byte = b[this.at++];
      value |= (byte & 0x7f) << shift;
      shift += 7;
    }
    return (value >>> 1) ^ -(value & 1);
  }

  skipVarint(): void {
    while (this.buffer[this.at++] & 0x80);
  }
}
