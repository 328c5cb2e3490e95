import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh, uniquely named directory under the OS temp dir. */
export async function makeTempDir(prefix = 'streampulse-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes a directory made by makeTempDir; a missing one is fine. */
export async function removeTempDir(dir: string | undefined): Promise<void> {
  if (dir === undefined) return;
  await rm(dir, { recursive: true, force: true });
}

/** Runs `fn` with a fresh temp dir and always removes it afterwards. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await makeTempDir(prefix);
  try {
    return await fn(dir);
  } finally {
    await removeTempDir(dir);
  }
}
