type Typed = Int32Array | Uint8Array | Float64Array;

/** A copy of `source` in a SharedArrayBuffer: posted to other threads without being copied again. */
export function sharedCopy<T extends Typed>(source: T): T {
  const Made = source.constructor as new (buffer: SharedArrayBuffer) => T;
  const copy = new Made(new SharedArrayBuffer(source.byteLength));
  copy.set(source);
  return copy;
}

/** A copy of `source` in this thread's memory, `length` elements long (at least its own): an array grown, or an image adopted. */
export function grownCopy<T extends Typed>(source: T, length: number): T {
  const Made = source.constructor as new (length: number) => T;
  const copy = new Made(Math.max(length, source.length));
  copy.set(source);
  return copy;
}
