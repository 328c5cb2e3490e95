import { constants } from 'node:fs';
import { access, mkdir, open, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { RunConfig } from '../config.ts';
import { IoError, UsageError } from '../errors.ts';
import { checkInputDir } from '../sources/input-dir.ts';

const reasonOf = (error: unknown): string => {
  const e = error as NodeJS.ErrnoException;
  return e.code === undefined ? String(e.message) : `${e.code}: ${e.message.replace(/^\w+: /, '')}`;
};

/**
 * A folder the run will write into: created (the run would create it anyway) and proven writable
 * with a probe file that is removed at once.
 */
async function writableDir(flag: string, dir: string, shownPath = dir): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.streampulse-preflight-${process.pid}-${Date.now()}`);
    await (await open(probe, 'wx')).close();
    await unlink(probe);
  } catch (error) {
    throw new IoError(`${flag} ${shownPath}: cannot write into ${dir} (${reasonOf(error)})`);
  }
}

/** A file the run will write or append to: not a folder, its folder writable, itself writable if it exists. */
async function writableFile(flag: string, path: string): Promise<void> {
  if (path.trim() === '') throw new UsageError(`${flag} needs a file path, got ""`);
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory()) throw new UsageError(`${flag} ${path} is a folder; give a file path`);
  await writableDir(flag, dirname(resolve(path)), path);
  if (existing !== null) {
    try {
      await access(path, constants.W_OK);
    } catch (error) {
      throw new IoError(`${flag} ${path}: cannot write the file (${reasonOf(error)})`);
    }
  }
}

/**
 * Checks every path a run will read or write before any work starts, so a bad flag fails in a
 * second with one line instead of after a long replay (report) or at the first reject (dead letters).
 */
export async function preflightRun(config: RunConfig): Promise<void> {
  if (config.input !== null) await checkInputDir(config.input);
  if (config.generate !== null) await writableDir('--data-dir', config.dataDir);
  if (config.deadLetters !== null) await writableFile('--dead-letters', config.deadLetters);
  if (config.reportJson !== null) await writableFile('--report-json', config.reportJson);
}

/** The paths `produce` uses: its input folder, or the data folder it generates into, and its dead-letter file. */
export async function preflightProduce(config: { input: string | null; generate: unknown; dataDir: string; deadLetters: string | null }): Promise<void> {
  if (config.input !== null) await checkInputDir(config.input);
  if (config.generate !== null) await writableDir('--data-dir', config.dataDir);
  if (config.deadLetters !== null) await writableFile('--dead-letters', config.deadLetters);
}
