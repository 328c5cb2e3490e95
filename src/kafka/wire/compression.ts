import { gunzipSync, gzipSync } from 'node:zlib';
import { RecordBatchFormatError } from './protocol-error.ts';

/** Record batch codecs by their id in the batch attributes. */
export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Codec = (typeof CODECS)[number];
export const CODEC_IDS: Record<Codec, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

export function codecOfId(id: number): Codec {
  const codec = CODECS[id];
  if (codec === undefined) throw new RecordBatchFormatError(`unknown record batch compression id ${id}`);
  return codec;
}

export function compress(codec: Codec, bytes: Buffer): Buffer {
  if (codec === 'gzip') return gzipSync(bytes);
  throw new RecordBatchFormatError(`compression ${codec} is not supported for producing`);
}

export function decompress(codec: Codec, bytes: Buffer): Buffer {
  if (codec === 'gzip') return gunzipSync(bytes);
  throw new RecordBatchFormatError(`record batch compressed with ${codec}, which this client cannot read`);
}
