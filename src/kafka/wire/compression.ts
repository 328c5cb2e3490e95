import { createRequire } from 'node:module';
import { gunzipSync, gzipSync } from 'node:zlib';
import { RecordBatchFormatError } from './protocol-error.ts';

/** Record batch codecs by their id in the batch attributes. */
export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Codec = (typeof CODECS)[number];
export const CODEC_IDS: Record<Codec, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
/** The codecs this client writes; snappy is neither written nor read. */
export const PRODUCE_CODECS = ['none', 'gzip', 'lz4', 'zstd'] as const satisfies readonly Codec[];

interface Lz4 {
  compressFrameSync(data: Buffer): Buffer;
  decompressFrameSync(data: Buffer): Buffer;
}
interface Zstd {
  compress(data: Uint8Array): Buffer;
  decompress(data: Uint8Array): Buffer;
}

const require = createRequire(import.meta.url);
const loaded = new Map<string, unknown>();

/**
 * lz4 and zstd come from optional native packages (lz4-napi ships prebuilt binaries through the
 * registry, zstd-napi builds at install): an install where one is missing still runs, and says so
 * when that codec is asked for.
 */
function optional<T>(name: string, codec: Codec): T {
  if (!loaded.has(name)) {
    try {
      loaded.set(name, require(name));
    } catch {
      loaded.set(name, null);
    }
  }
  const module = loaded.get(name);
  if (module === null) throw new RecordBatchFormatError(`${codec} compression needs the optional package ${name}, which is not installed here (npm ci installs it where it can build)`);
  return module as T;
}

/** Whether this install can write and read `codec`. */
export function codecAvailable(codec: Codec): boolean {
  try {
    if (codec === 'lz4') optional<Lz4>('lz4-napi', codec);
    else if (codec === 'zstd') optional<Zstd>('zstd-napi', codec);
    else if (codec === 'snappy') return false;
    return true;
  } catch {
    return false;
  }
}

export function codecOfId(id: number): Codec {
  const codec = CODECS[id];
  if (codec === undefined) throw new RecordBatchFormatError(`unknown record batch compression id ${id}`);
  return codec;
}

export function compress(codec: Codec, bytes: Buffer): Buffer {
  if (codec === 'gzip') return gzipSync(bytes);
  if (codec === 'lz4') return optional<Lz4>('lz4-napi', codec).compressFrameSync(bytes);
  if (codec === 'zstd') return optional<Zstd>('zstd-napi', codec).compress(bytes);
  throw new RecordBatchFormatError(`compression ${codec} is not supported for producing`);
}

export function decompress(codec: Codec, bytes: Buffer): Buffer {
  if (codec === 'gzip') return gunzipSync(bytes);
  if (codec === 'lz4') return optional<Lz4>('lz4-napi', codec).decompressFrameSync(bytes);
  if (codec === 'zstd') return optional<Zstd>('zstd-napi', codec).decompress(bytes);
  throw new RecordBatchFormatError(`record batch compressed with ${codec}, which this client cannot read`);
}
