import { datasetDir, type RunConfig } from '../config.ts';
import { isCompleteDataset } from '../cli/dataset-manifest.ts';
import { findTable, formatsFor } from '../sources/table-files.ts';
import type { SubscriptionFileRequest } from './subscription-load.ts';

/**
 * The subscriptions file a replay will hand on to the shards first, found as its layout finds it
 * (its first part file, for a folder of them), for the loading shard to start on at once (see
 * subscription-preload.ts): in the folder `config.input`, or in the generated dataset when it is
 * already complete (isCompleteDataset). None when the table is not NDJSON there, or
 * there is no such folder yet: the run then reads it, or says what is wrong, as before.
 */
export async function subscriptionsAhead(config: Pick<RunConfig, 'source' | 'input' | 'generate' | 'dataDir' | 'format' | 'batchSize' | 'maxRecordBytes'>): Promise<SubscriptionFileRequest | undefined> {
  if (config.source !== 'file') return undefined;
  let dir = config.input;
  if (dir === null && config.generate !== null) {
    const generated = datasetDir(config.dataDir, config.generate);
    if (isCompleteDataset(generated, config.generate)) dir = generated;
  }
  if (dir === null) return undefined;
  const found = await findTable(dir, 'subscriptions', formatsFor(config.format));
  if (found?.format !== 'ndjson' || found.files.length === 0) return undefined;
  return { path: found.files[0], batchSize: config.batchSize, maxRecordBytes: config.maxRecordBytes };
}
