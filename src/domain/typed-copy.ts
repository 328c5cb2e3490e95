type Typed = Int32Array | Uint8Array | Float64Array;
type TypedClass<T extends Typed> = { new (length: number): T; new (buffer: SharedArrayBuffer): T; readonly BYTES_PER_ELEMENT: number };

/**
 * Arrays this big are made in a SharedArrayBuffer: a table one thread loads for all (subscriptions,
 * their users' index) is then handed to the others as it is (shared()), where a copy of its
 * ~20 MB held up every shard's first event.
 */
const SHARE_FROM_BYTES = 1 << 20;

/** A new zeroed array of `length` elements, shared when big (see SHARE_FROM_BYTES). */
export function allocate<T extends Typed>(Made: TypedClass<T>, length: number): T {
  return length * Made.BYTES_PER_ELEMENT >= SHARE_FROM_BYTES ? new Made(new SharedArrayBuffer(length * Made.BYTES_PER_ELEMENT)) : new Made(length);
}

/**
 * `view` itself when it is in shared memory already, else a copy there: what an image hands to
 * other threads. An owner that hands out its own array must not write what the view shows again
 * (copy on write, or only append past it).
 */
export function shared<T extends Typed>(view: T): T {
  return view.buffer instanceof SharedArrayBuffer ? view : sharedCopy(view);
}

/** A copy of `source` in a SharedArrayBuffer: posted to other threads without being copied again. */
export function sharedCopy<T extends Typed>(source: T): T {
  const Made = source.constructor as new (buffer: SharedArrayBuffer) => T;
  const copy = new Made(new SharedArrayBuffer(source.byteLength));
  copy.set(source);
  return copy;
}

/** A copy of `source` in this thread's memory, `length` elements long (at least its own): an array grown, or an image adopted. */
export function grownCopy<T extends Typed>(source: T, length: number): T {
  const copy = allocate(source.constructor as TypedClass<T>, Math.max(length, source.length));
  copy.set(source);
  return copy;
}
