import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IoError } from '../../src/errors.ts';
import { reusedChunks } from '../../src/sources/reused-chunks.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('streampulse-chunks-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('reusedChunks', () => {
  it('reads the file from its start offset into one buffer, each chunk a view of it, and reuses it for the next read', async () => {
    const path = join(dir, 'bytes.bin');
    const content = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    await writeFile(path, content);
    const pieces: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const chunk of reusedChunks(path, 64, 10)) {
      expect(chunk.length).toBeLessThanOrEqual(64);
      pieces.push(Buffer.from(chunk));
      buffers.add(chunk.buffer);
    }
    expect(Buffer.concat(pieces)).toEqual(content.subarray(10));
    expect(buffers.size).toBe(1);
    // the next read of that size in this thread takes the same buffer back
    for await (const chunk of reusedChunks(path, 64, 0)) expect(buffers.has(chunk.buffer)).toBe(true);
  });

  it('fails with an IoError naming a file it cannot open', async () => {
    const missing = join(dir, 'missing.bin');
    await expect(async () => {
      for await (const chunk of reusedChunks(missing, 64, 0)) void chunk;
    }).rejects.toThrow(IoError);
    await expect(async () => {
      for await (const chunk of reusedChunks(missing, 64, 0)) void chunk;
    }).rejects.toThrow(missing);
  });
});
