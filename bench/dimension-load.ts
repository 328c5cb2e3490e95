import { join } from 'node:path';
import { DEFAULTS } from '../src/config.ts';
import { applyDimensionBatch, createDimensions } from '../src/domain/dimensions/index.ts';
import type { RawBatch } from '../src/domain/records/raw-batch.ts';
import { DIMENSION_NAMES, type DimensionName } from '../src/domain/records/schema.ts';
import { readNdjsonRecords } from '../src/sources/ndjson-reader.ts';

/**
 * `tsx bench/dimension-load.ts <dataset dir> [repeats]`: the time to apply each dimension file's
 * rows (read into memory first, so no disk I/O), then to decode every subscription on a cache
 * miss, each over fresh dimensions `repeats` times; prints the median milliseconds per table.
 * CPU time (user + system) rather than wall time: on a shared machine it is far less noisy.
 */
const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const [dir, repeatsArg] = process.argv.slice(2);
if (dir === undefined) {
  process.stderr.write('usage: tsx bench/dimension-load.ts <dataset dir> [repeats]\n');
  process.exit(2);
}
const repeats = Number(repeatsArg ?? 7);

const batches = new Map<DimensionName, RawBatch[]>();
for (const table of DIMENSION_NAMES) {
  const list: RawBatch[] = [];
  for await (const batch of readNdjsonRecords(join(dir, `${table}.ndjson`), { batchSize: DEFAULTS.batchSize })) list.push(batch);
  batches.set(table, list);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const times = new Map<string, number[]>();
const record = (name: string, ms: number): void => void times.set(name, [...(times.get(name) ?? []), ms]);

for (let r = 0; r < repeats; r++) {
  const dims = createDimensions({ cacheSize: 1_000_000 });
  for (const table of DIMENSION_NAMES) {
    const t0 = cpuMs();
    let applied = 0;
    for (const batch of batches.get(table) ?? []) applied += applyDimensionBatch(dims, table, batch).applied;
    record(`${table} (${applied} rows)`, cpuMs() - t0);
  }
  const t0 = cpuMs();
  for (let user = 0; user < dims.dicts.user.size; user++) dims.subscriptions.get(user);
  record(`subscription misses (${dims.subscriptions.counters.misses})`, cpuMs() - t0);
}
for (const [name, ms] of times) process.stdout.write(`${name}: median ${median(ms).toFixed(1)} ms of ${ms.map((m) => m.toFixed(0)).join(', ')}\n`);
