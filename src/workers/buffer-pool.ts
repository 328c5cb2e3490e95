/**
 * SharedArrayBuffers that go to a shard with a batch and come back when it is folded, to carry the
 * next one: steady-state ingest allocates no batch memory, so neither thread piles up buffers
 * waiting for a garbage collection that only the heap (not their size) would trigger.
 */
export class BufferPool {
  private readonly free: SharedArrayBuffer[] = [];

  /** @param keep the most buffers held free (beyond them, returned buffers are dropped) */
  constructor(private readonly keep: number) {}

  /** A free buffer of at least `bytes`, the smallest that fits, or a new one with room to spare. */
  take(bytes: number): SharedArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const size = this.free[i].byteLength;
      if (size >= bytes && (best === -1 || size < this.free[best].byteLength)) best = i;
    }
    if (best === -1) return new SharedArrayBuffer(Math.ceil((bytes * 1.25) / 65_536) * 65_536);
    const [buffer] = this.free.splice(best, 1);
    return buffer;
  }

  give(buffer: SharedArrayBuffer): void {
    if (buffer.byteLength === 0) return;
    if (this.free.length < this.keep) this.free.push(buffer);
    else {
      // keep the larger ones: a batch that did not fit would allocate again
      let smallest = 0;
      for (let i = 1; i < this.free.length; i++) if (this.free[i].byteLength < this.free[smallest].byteLength) smallest = i;
      if (this.free[smallest].byteLength < buffer.byteLength) this.free[smallest] = buffer;
    }
  }
}
