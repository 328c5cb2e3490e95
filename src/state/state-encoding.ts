import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback, gzip as gzipCallback } from 'node:zlib';
import { CheckpointError, InternalError } from '../errors.ts';

/** What the run saves for one events partition. `offset` and `folded` belong to exactly this `state`. */
export interface PartitionStateRecord {
  /** Increases with every write of the partition, whichever instance writes it. */
  readonly step: number;
  /** The partition's next offset to fold. */
  readonly offset: number;
  /** Events of the partition folded into `state`. */
  readonly folded: number;
  /** JSON-serialisable; opaque to the store. */
  readonly state: unknown;
}

/**
 * The record keyed `<partition>` that makes a step's chunks the partition's state: written after
 * them, so a reader sees either the previous manifest with its intact chunks or this one with its.
 */
export interface StateManifest {
  readonly format: 1;
  readonly step: number;
  readonly offset: number;
  readonly folded: number;
  readonly chunks: number;
  /** Bytes of the gzipped JSON, all chunks together. */
  readonly bytes: number;
  /** Hex sha256 of those bytes. */
  readonly sha256: string;
  readonly writtenAt: string;
}

export interface RestoredPartitionState {
  readonly step: number;
  readonly offset: number;
  readonly folded: number;
  readonly state: unknown;
  readonly bytes: number;
  readonly chunks: number;
  readonly writtenAt: string;
}

export interface EncodedState {
  readonly manifest: StateManifest;
  readonly chunks: readonly Buffer[];
}

/** Chunk size: well under the broker's default max.message.bytes (1 MiB) with room for the batch. */
export const CHUNK_BYTES = 512 * 1024;

export const manifestKey = (partition: number): string => String(partition);
export const chunkKey = (partition: number, step: number, index: number): string => `${partition}/${step}/${index}`;

export type StateKey = { readonly kind: 'manifest'; readonly partition: number } | { readonly kind: 'chunk'; readonly partition: number; readonly step: number; readonly index: number };

const COUNT = /^(0|[1-9][0-9]{0,14})$/;

/** What a state topic key names, or null for a key no store writes. */
export function parseStateKey(key: string): StateKey | null {
  const parts = key.split('/');
  if (!parts.every((p) => COUNT.test(p))) return null;
  const [partition, step, index] = parts.map(Number);
  if (parts.length === 1) return { kind: 'manifest', partition };
  if (parts.length === 3) return { kind: 'chunk', partition, step, index };
  return null;
}

// on the thread pool: a state of megabytes would hold the event loop for tens of milliseconds
const gzip = promisify(gzipCallback);
const gunzip = promisify(gunzipCallback);

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** The chunks and manifest of one write; the record's numbers are the caller's, so bad ones are a bug. */
export async function encodeState(partition: number, record: PartitionStateRecord, writtenAt: Date, chunkBytes = CHUNK_BYTES): Promise<EncodedState> {
  for (const field of ['step', 'offset', 'folded'] as const) {
    if (!isCount(record[field])) throw new InternalError(`the state of partition ${partition} has ${field} ${String(record[field])}, not a count`);
  }
  const json = JSON.stringify(record.state);
  if (json === undefined) throw new InternalError(`the state of partition ${partition} is not JSON`);
  const payload = await gzip(json);
  const chunks: Buffer[] = [];
  for (let at = 0; at < payload.length; at += chunkBytes) chunks.push(payload.subarray(at, at + chunkBytes));
  const manifest: StateManifest = {
    format: 1,
    step: record.step,
    offset: record.offset,
    folded: record.folded,
    chunks: chunks.length,
    bytes: payload.length,
    sha256: sha256(payload),
    writtenAt: writtenAt.toISOString(),
  };
  return { manifest, chunks };
}

export function encodeManifest(manifest: StateManifest): Buffer {
  return Buffer.from(JSON.stringify(manifest));
}

/** A manifest read back; anything else under a manifest key is a damaged state topic. */
export function decodeManifest(partition: number, value: Buffer): StateManifest {
  let parsed: Partial<Record<keyof StateManifest, unknown>>;
  try {
    parsed = JSON.parse(value.toString('utf8')) as typeof parsed;
  } catch {
    throw new CheckpointError(`the state manifest of partition ${partition} is not JSON`);
  }
  const counts = ['step', 'offset', 'folded', 'chunks', 'bytes'] as const;
  const valid =
    typeof parsed === 'object' &&
    parsed !== null &&
    parsed.format === 1 &&
    counts.every((field) => isCount(parsed[field])) &&
    (parsed.chunks as number) > 0 &&
    typeof parsed.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(parsed.sha256) &&
    typeof parsed.writtenAt === 'string';
  if (!valid) throw new CheckpointError(`the state manifest of partition ${partition} is malformed (format 1 with step, offset, folded, chunks, bytes, sha256, writtenAt expected)`);
  return parsed as StateManifest;
}

/** The state a manifest names, from its chunks (index order); refuses any that are missing or altered. */
export async function decodeState(partition: number, manifest: StateManifest, chunks: readonly (Buffer | undefined)[]): Promise<RestoredPartitionState> {
  const at = `partition ${partition} step ${manifest.step}`;
  const missing = chunks.slice(0, manifest.chunks).flatMap((c, i) => (c === undefined ? [i] : []));
  if (chunks.length < manifest.chunks) for (let i = chunks.length; i < manifest.chunks; i++) missing.push(i);
  if (missing.length > 0) throw new CheckpointError(`the state of ${at} is missing chunk(s) ${missing.join(', ')} of ${manifest.chunks}`);
  const payload = Buffer.concat(chunks.slice(0, manifest.chunks) as Buffer[]);
  if (payload.length !== manifest.bytes) throw new CheckpointError(`the state of ${at} has ${payload.length} bytes, its manifest says ${manifest.bytes}`);
  if (sha256(payload) !== manifest.sha256) throw new CheckpointError(`the state of ${at} fails its sha256 check: a chunk was altered`);
  let state: unknown;
  try {
    state = JSON.parse((await gunzip(payload)).toString('utf8'));
  } catch (error) {
    throw new CheckpointError(`the state of ${at} passes its hash but is not gzipped JSON`, { cause: error });
  }
  return { step: manifest.step, offset: manifest.offset, folded: manifest.folded, state, bytes: manifest.bytes, chunks: manifest.chunks, writtenAt: manifest.writtenAt };
}
