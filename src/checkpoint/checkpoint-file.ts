import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CheckpointError } from '../errors.ts';
import type { PipelineState } from '../pipeline.ts';

/** The state of every report together with the source offsets it reflects, nothing more, nothing less. */
export interface Checkpoint {
  readonly version: 1;
  readonly group: string;
  readonly topic: string;
  /** Next offset per events partition. */
  readonly offsets: Readonly<Record<string, number>>;
  readonly state: PipelineState;
  readonly writtenAt: string;
  /** Dead letters that could not be written up to this checkpoint (absent: none). */
  readonly deadLettersUnwritten?: number;
}

export function readCheckpoint(path: string, group: string, topic: string): Checkpoint | null {
  if (!existsSync(path)) return null;
  let checkpoint: Checkpoint;
  try {
    checkpoint = JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
  } catch (error) {
    throw new CheckpointError(`checkpoint ${path} is unreadable: ${(error as Error).message}`);
  }
  if (checkpoint.group !== group || checkpoint.topic !== topic) {
    throw new CheckpointError(`checkpoint ${path} belongs to group ${checkpoint.group} on ${checkpoint.topic}, not ${group} on ${topic}`);
  }
  return checkpoint;
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
