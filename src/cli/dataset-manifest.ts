import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetConfig } from '../config.ts';

/**
 * Whether the generated dataset in `dir` is complete and is `d`'s: its manifest is written last,
 * so an interrupted generation has none, and it names the settings it was generated with.
 */
export function isCompleteDataset(dir: string, d: DatasetConfig): boolean {
  const manifest = join(dir, 'manifest.json');
  if (!existsSync(manifest)) return false;
  const saved = JSON.parse(readFileSync(manifest, 'utf8')) as DatasetConfig;
  return saved.seed === d.seed && saved.events === d.events && saved.users === d.users && saved.artists === d.artists;
}
