import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { unitsToNumber, AD_REVENUE_SCALE } from '../domain/records/fixed-point.ts';
import { errorToData, InternalError } from '../errors.ts';
import { PublishedReports } from './published-reports.ts';
import { nextRender, type ScheduledRender } from './render-schedule.ts';
import type { FromMerger, MergerInit, Published, Rendered, ToMerger } from './shard-protocol.ts';

/**
 * The merger: a worker thread that takes every shard's publishes, merges them and writes the
 * reports as JSON, so the main thread answers a query with bytes it already has and never stops
 * to merge or render. While queries come it renders at most every `renderMs`, otherwise every
 * second (and once at the end of a run): a run nobody queries spends little CPU on it while the
 * shards need the cores, and nothing the main thread shows is more than a second behind.
 */
const port = parentPort;
if (port === null) throw new InternalError('merger-thread.ts runs as a worker thread');
const channel = port;
const init = workerData as MergerInit;

/** How long a query keeps the merger rendering every renderMs: a poller asking again within it sees fresh points. */
const WANTED_MS = 1_000;
/** Renders without queries: what the gauges and a first query see is never older than this. */
const IDLE_RENDER_MS = 1_000;

const published = new PublishedReports(init.shards, init.strategies, init.partitionsMove);
const seqs = new Array<number>(init.shards).fill(0);
const ports: MessagePort[] = [];
let wantedUntil = -Infinity;
let lastRender = -Infinity;
let rendered = -1;
let scheduled: NodeJS.Timeout | NodeJS.Immediate | null = null;
let scheduledRender: ScheduledRender = { due: Infinity, final: false };
let final: readonly number[] | null = null;
let failed = false;

// copied, never transferred: a detached buffer slows every typed array access in this thread (packed-batch.ts)
const post = (message: FromMerger): void => channel.postMessage(message);
const fail = (error: unknown): void => {
  if (failed) return;
  failed = true;
  post({ type: 'failed', error: errorToData(error) });
};

function render(isFinal: boolean): void {
  lastRender = performance.now();
  const partitions = published.partitions().map(({ partition, progress, position }) => ({ partition, progress, position }));
  const json: Partial<Record<string, Uint8Array>> = {};
  const planAdRevenue: Partial<Record<string, [string, number][]>> = {};
  for (const strategy of init.strategies) {
    json[strategy] = new TextEncoder().encode(JSON.stringify(published.reports(strategy)));
    const groups = published.reportSet(strategy).aggregate('subscription_analysis').groups(published.dicts);
    planAdRevenue[strategy] = groups.map((g) => [g.key[0], unitsToNumber(g.values.adUnits, AD_REVENUE_SCALE)]);
  }
  rendered = published.publishes;
  const message: Rendered = { type: 'rendered', generation: rendered, final: isFinal, at: Date.now(), partitions, cost: published.cost(), json, planAdRevenue };
  post(message);
}

/** Schedules the next render (see nextRender), replacing one due later. */
function consider(): void {
  if (failed) return;
  const now = performance.now();
  const finalReady = final !== null && final.every((seq, shard) => seqs[shard] >= seq);
  const next = nextRender({ now, lastRender, wantedUntil, news: published.publishes !== rendered, finalReady, scheduled: scheduled === null ? null : scheduledRender }, init.renderMs, IDLE_RENDER_MS);
  if (next === null || next === 'keep') return;
  cancel();
  if (next.final) final = null;
  const go = (): void =>
    guarded(() => {
      scheduled = null;
      render(next.final);
      consider();
    });
  scheduledRender = next;
  scheduled = next.due <= now ? setImmediate(go) : setTimeout(go, next.due - now);
}

function cancel(): void {
  if (scheduled === null) return;
  clearTimeout(scheduled as NodeJS.Timeout);
  clearImmediate(scheduled as NodeJS.Immediate);
  scheduled = null;
}

function guarded(work: () => void): void {
  try {
    work();
  } catch (error) {
    fail(error);
  }
}

channel.on('message', (message: ToMerger) => guarded(() => {
  switch (message.type) {
    case 'shard':
      ports.push(message.port);
      message.port.on('message', (p: Published) => guarded(() => {
        published.accept(p);
        seqs[p.shard] = p.seq;
        consider();
      }));
      break;
    case 'wanted':
      wantedUntil = performance.now() + WANTED_MS;
      consider();
      break;
    case 'unwanted':
      wantedUntil = -Infinity;
      break;
    case 'final':
      final = message.seqs;
      consider();
      break;
    case 'close':
      cancel();
      for (const p of ports) p.close();
      channel.close();
      break;
  }
}));
