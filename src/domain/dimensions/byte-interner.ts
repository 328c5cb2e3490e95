import { ByteIndex, fnv1a } from '../byte-index.ts';
import { latin1Text } from '../records/json-bytes.ts';
import type { Dictionary } from '../dictionary.ts';

/**
 * Dictionary ids by bytes: a value seen before is found without building a string; a new one is
 * decoded once and interned. Only for plain ASCII bytes (what the field scanner hands over), so
 * latin1 decoding is exact.
 */
export class ByteInterner {
  private readonly index = new ByteIndex();

  constructor(private readonly dict: Dictionary) {}

  id(bytes: Uint8Array, start: number, end: number): number {
    const hash = fnv1a(bytes, start, end);
    const cached = this.index.get(hash, bytes, start, end);
    if (cached >= 0) return cached;
    const id = this.dict.intern(latin1Text(bytes, start, end));
    this.index.set(hash, bytes, start, end, id);
    return id;
  }
}
