import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { ensureDataset } from '../src/cli/ensure-dataset.ts';
import { DEFAULTS } from '../src/config.ts';

/**
 * `npm run bench`: on the reference dataset (600,000 events, seed 42), the JSON.parse floor and
 * both strategies, each in its own process so peak memory is its own. Records are loaded into
 * memory first, so the figures are from serialized records to final reports, without disk I/O.
 */
interface Result {
  mode: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  peakRssMb: number;
  datasetRssMb: number;
  retainedHeapMbPerPass: number[];
  aggregateStateMb: number;
}

const args = process.argv.slice(2);
const events = Number(args[args.indexOf('--events') + 1] || DEFAULTS.events);
const eventsFlag = args.includes('--events') ? events : args.includes('--kafka') && args.includes('--quick') ? 60_000 : DEFAULTS.events;

if (args.includes('--compare')) {
  const { runCompare } = await import('./compare/index.ts');
  process.exit(await runCompare(args.includes('--quick')));
}

const dir = await ensureDataset(DEFAULTS.dataDir, { seed: DEFAULTS.seed, events: eventsFlag, users: DEFAULTS.users, artists: DEFAULTS.artists }, true);
process.stderr.write(`dataset: ${dir}\nmachine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`);

function measure(mode: string, passes: number): Result {
  process.stderr.write(`measuring ${mode}${passes > 1 ? ` (${passes} passes over the events)` : ''}…\n`);
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/worker.ts', mode, dir, String(passes)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`bench worker ${mode} failed with status ${child.status}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() as string) as Result;
}

if (args.includes('--kafka')) {
  const { benchKafka } = await import('./kafka/index.ts');
  await benchKafka(dir, eventsFlag);
  process.exit(process.exitCode ?? 0);
}

const floor = measure('floor', 2);
const cached = measure('cached', 2);
const naive = measure('naive', 1);

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const rows = [floor, cached, naive].map((r) => ({
  mode: r.mode === 'floor' ? 'JSON.parse floor' : r.mode,
  'events/s': fmt(r.eventsPerSecond),
  'vs floor': (r.eventsPerSecond / floor.eventsPerSecond).toFixed(2) + '×',
  'peak RSS MB': r.peakRssMb.toFixed(1),
  'records in memory MB': r.datasetRssMb.toFixed(1),
  'retained heap MB per pass': r.retainedHeapMbPerPass.join(' → ') || '-',
  'aggregate state MB': r.mode === 'floor' ? '-' : r.aggregateStateMb.toFixed(1),
}));
console.table(rows);
console.log(
  `\ncached vs naive: ${(cached.eventsPerSecond / naive.eventsPerSecond).toFixed(1)}× faster` +
    ` (${fmt(cached.eventsPerSecond)} vs ${fmt(naive.eventsPerSecond)} events/s over ${fmt(events)} events)` +
    `\ncached vs JSON.parse floor: ${(floor.eventsPerSecond / cached.eventsPerSecond).toFixed(2)}× the floor's time per event` +
    `\nmemory: retained heap after each pass of ${fmt(events)} events stays ${cached.retainedHeapMbPerPass.join(' → ')} MB (it grows with users and groups, not events)`,
);
