import type { LogFn } from '../log/logger.ts';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CheckpointError, IoError } from '../errors.ts';
import { validateCheckpoint, type Checkpoint, type CheckpointExpectation } from './checkpoint-schema.ts';

export type { Checkpoint, CheckpointExpectation } from './checkpoint-schema.ts';

/**
 * The checkpoint at `path`, validated against this run, or null when there is none. Anything
 * unreadable or invalid is refused with one line naming the file and the first problem; the file
 * is left as it is (only --discard-checkpoint moves it aside).
 */
export function readCheckpoint(path: string, expected: CheckpointExpectation): Checkpoint | null {
  if (!existsSync(path)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CheckpointError(`checkpoint ${path} is unreadable: ${(error as Error).message}`, { cause: error });
  }
  try {
    return validateCheckpoint(parsed, expected);
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    throw new CheckpointError(`checkpoint ${path} is invalid: ${error.message}`, { cause: error });
  }
}

/** Moves the checkpoint at `path` aside (never deletes it); returns where it went, or null when there was none. */
export function discardCheckpoint(path: string, now: Date = new Date()): string | null {
  if (!existsSync(path)) return null;
  const aside = `${path}.discarded-${now.toISOString()}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    throw new IoError(`cannot move checkpoint ${path} aside: ${(error as Error).message}`, { cause: error });
  }
  return aside;
}

/** The checkpoint a run resumes from: read and validated, or moved aside first when the user asked to discard it. */
export function loadCheckpoint(path: string, expected: CheckpointExpectation & { discard: boolean; log: LogFn }): Checkpoint | null {
  if (!expected.discard) return readCheckpoint(path, expected);
  const aside = discardCheckpoint(path);
  if (aside !== null) expected.log(`--discard-checkpoint: moved ${path} to ${aside}; starting from the beginning`, { level: 'warn' });
  return null;
}

/**
 * Writes atomically: a temporary file, fsync, rename over the old one, fsync of the folder. A
 * crash at any point leaves either the previous checkpoint or the new one, never a torn file.
 */
export async function writeCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, 'w');
  try {
    await file.writeFile(JSON.stringify(checkpoint));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  const folder = await open(dirname(path), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
