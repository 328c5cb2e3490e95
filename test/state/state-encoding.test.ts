import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CheckpointError, InternalError } from '../../src/errors.ts';
import { chunkKey, decodeManifest, decodeState, encodeManifest, encodeState, manifestKey, parseStateKey } from '../../src/state/state-encoding.ts';

const at = new Date('2026-01-02T03:04:05.000Z');
/** A state that gzip cannot shrink much (random hex), so its size decides the chunk count. */
const bulky = (bytes: number): { users: string[] } => ({ users: Array.from({ length: Math.ceil(bytes / 64) }, () => randomBytes(32).toString('hex')) });

describe('state encoding', () => {
  it('splits the gzipped JSON into chunks of at most chunkBytes, in order, with a manifest over exactly those bytes', async () => {
    const state = bulky(200_000);
    const encoded = await encodeState(4, { step: 7, offset: 1234, folded: 1200, state }, at, 32_768);
    const payload = Buffer.concat(encoded.chunks);
    expect(encoded.chunks.length).toBe(Math.ceil(payload.length / 32_768));
    expect(encoded.chunks.length).toBeGreaterThan(2);
    expect(encoded.chunks.slice(0, -1).every((c) => c.length === 32_768)).toBe(true);
    expect(JSON.parse(gunzipSync(payload).toString('utf8'))).toEqual(state);
    expect(encoded.manifest).toEqual({
      format: 1,
      step: 7,
      offset: 1234,
      folded: 1200,
      chunks: encoded.chunks.length,
      bytes: payload.length,
      sha256: createHash('sha256').update(payload).digest('hex'),
      writtenAt: '2026-01-02T03:04:05.000Z',
    });
  });

  it('round-trips a state through its manifest and chunks', async () => {
    const state = { revenue: { rows: [['a', 1.5]], version: 2 }, empty: [] };
    const encoded = await encodeState(0, { step: 1, offset: 10, folded: 9, state }, at, 16);
    const manifest = decodeManifest(0, encodeManifest(encoded.manifest));
    expect(await decodeState(0, manifest, encoded.chunks)).toEqual({ step: 1, offset: 10, folded: 9, state, bytes: encoded.manifest.bytes, chunks: encoded.chunks.length, writtenAt: manifest.writtenAt });
  });

  it('refuses missing, altered, truncated or extra-short chunks, naming the partition and step', async () => {
    const encoded = await encodeState(3, { step: 5, offset: 1, folded: 1, state: bulky(5_000) }, at, 1_024);
    const chunks = [...encoded.chunks];
    await expect(decodeState(3, encoded.manifest, [chunks[0], undefined, ...chunks.slice(2)])).rejects.toThrow(/partition 3 step 5 is missing chunk\(s\) 1 of/);
    await expect(decodeState(3, encoded.manifest, chunks.slice(0, -1))).rejects.toThrow(new RegExp(`missing chunk\\(s\\) ${chunks.length - 1} of ${chunks.length}`));
    const altered = Buffer.from(chunks[1]);
    altered[10] ^= 0xff;
    await expect(decodeState(3, encoded.manifest, [chunks[0], altered, ...chunks.slice(2)])).rejects.toThrow(/partition 3 step 5 fails its sha256 check/);
    await expect(decodeState(3, encoded.manifest, [chunks[0], chunks[1].subarray(1), ...chunks.slice(2)])).rejects.toThrow(/has \d+ bytes, its manifest says/);
    await expect(decodeState(3, encoded.manifest, [chunks[0], altered, ...chunks.slice(2)])).rejects.toThrow(CheckpointError);
  });

  it('refuses a manifest that is not JSON or lacks a field', async () => {
    const { manifest } = await encodeState(2, { step: 1, offset: 0, folded: 0, state: {} }, at);
    expect(() => decodeManifest(2, Buffer.from('{"step":'))).toThrow(/manifest of partition 2 is not JSON/);
    expect(() => decodeManifest(2, encodeManifest({ ...manifest, sha256: 'x' }))).toThrow(/manifest of partition 2 is malformed/);
    const { offset: _offset, ...withoutOffset } = manifest;
    expect(() => decodeManifest(2, Buffer.from(JSON.stringify(withoutOffset)))).toThrow(CheckpointError);
  });

  it('refuses a record whose step, offset or count is not a count, and a state that is not JSON', async () => {
    await expect(encodeState(0, { step: -1, offset: 0, folded: 0, state: {} }, at)).rejects.toThrow(InternalError);
    await expect(encodeState(0, { step: 1, offset: 1.5, folded: 0, state: {} }, at)).rejects.toThrow(/offset 1.5, not a count/);
    await expect(encodeState(0, { step: 1, offset: 0, folded: 0, state: undefined }, at)).rejects.toThrow(/not JSON/);
  });

  it('names manifests by partition and chunks by partition, step and index, and nothing else', () => {
    expect(parseStateKey(manifestKey(12))).toEqual({ kind: 'manifest', partition: 12 });
    expect(parseStateKey(chunkKey(12, 40, 3))).toEqual({ kind: 'chunk', partition: 12, step: 40, index: 3 });
    for (const key of ['', 'x', '1/2', '1/2/3/4', '01', '-1', '1/2/x']) expect(parseStateKey(key)).toBeNull();
  });
});
