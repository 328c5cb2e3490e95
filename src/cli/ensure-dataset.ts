import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetDir, type DatasetConfig } from '../config.ts';
import { generateDataset } from '../generator/index.ts';
import type { LogFn } from '../log/logger.ts';
import { isCompleteDataset } from './dataset-manifest.ts';
import { Progress } from './progress.ts';

/**
 * The generated dataset for `d`, generated on first use and reused after: a manifest written last
 * marks a complete dataset, so an interrupted generation is redone rather than half-read.
 */
export async function ensureDataset(dataDir: string, d: DatasetConfig, showProgress: boolean, log?: LogFn): Promise<string> {
  const dir = datasetDir(dataDir, d);
  if (isCompleteDataset(dir, d)) return dir;
  const progress = new Progress(showProgress, process.stderr, log);
  progress.start('generating events', d.events, 'events');
  await generateDataset({ outDir: dir, ...d, onProgress: (written) => progress.update(written) });
  progress.stop();
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(d) + '\n');
  return dir;
}
