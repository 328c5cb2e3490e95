import { Pipeline } from '../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../src/sources/input-dir.ts';
import type { SourceItem } from '../topology/ports.ts';
import type { Strategy } from '../src/domain/run-progress.ts';

/**
 * One benchmark measurement in its own process, so peak memory belongs to one strategy:
 * load the dataset's serialized records into memory, then time one mode over them.
 * Prints one JSON line.
 */
type Mode = 'floor' | Strategy;
const [mode, dir, passesText] = process.argv.slice(2) as [Mode, string, string | undefined];
const passes = Number(passesText ?? 1);

const items: SourceItem[] = [];
for await (const item of readInputLayout(await resolveInputDir(dir, 'ndjson'), 8192)) items.push(item);
const eventItems = items.filter((i) => i.kind === 'events');
const events = eventItems.reduce((n, i) => n + i.batch.count, 0);
const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;
globalThis.gc?.();
const baseline = process.memoryUsage();

let seconds: number;
const retained: number[] = [];
let stateBytes = 0;
if (mode === 'floor') {
  // the floor: bytes to string and JSON.parse per record, nothing else
  const decoder = new TextDecoder();
  let sink = 0;
  const started = performance.now();
  for (let pass = 0; pass < passes; pass++) {
    for (const item of eventItems) {
      const b = item.batch;
      for (let i = 0; i < b.count; i++) sink += JSON.parse(decoder.decode(b.buffers[i].subarray(b.starts[i], b.ends[i]))).duration_sec;
    }
  }
  seconds = (performance.now() - started) / 1000;
  if (sink < 0) console.error(sink);
} else {
  const pipeline = new Pipeline({ strategies: [mode], cacheSize: 131_072 });
  const dims = items.filter((i) => i.kind === 'dimension');
  await pipeline.run(dims);
  const started = performance.now();
  for (let pass = 0; pass < passes; pass++) {
    await pipeline.run(eventItems);
    globalThis.gc?.();
    retained.push(mb(process.memoryUsage().heapUsed - baseline.heapUsed));
  }
  seconds = (performance.now() - started) / 1000;
  pipeline.snapshot();
  stateBytes = pipeline.reportSet(mode).stateBytes();
}
const usage = process.resourceUsage();
console.log(
  JSON.stringify({
    mode,
    events: events * passes,
    seconds,
    eventsPerSecond: Math.round((events * passes) / seconds),
    peakRssMb: mb(usage.maxRSS * 1024),
    datasetRssMb: mb(baseline.rss),
    retainedHeapMbPerPass: retained,
    aggregateStateMb: mb(stateBytes),
  }),
);
