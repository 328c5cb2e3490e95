import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PANEL_QUERIES } from '../../dashboards/queries.ts';
import { replayToKafka } from '../../producers/replay-producer.ts';
import { generateDataset } from '../../src/generator/index.ts';
import { resolveInputDir } from '../../src/sources/input-dir.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { deleteTopics, obtainBroker, uniqueTopics, type TestBroker } from './helpers/kafka-broker.ts';
import { startPrometheus, type RunningPrometheus } from './helpers/prometheus.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const REPO_CONFIG = join(ROOT, 'dashboards/prometheus/prometheus.yml');
const BIN = join(ROOT, 'bin/streampulse.js');
const log = (line: string): void => void process.stderr.write(`${line}\n`);

let dir: string;
let broker: TestBroker;
let app: ChildProcess;
let appUrl: string;
/** What the pipeline wrote on stderr, for a failure's message. */
let appStderr = '';
let prometheus: RunningPrometheus;
let trickle: Promise<unknown>;
const topics = uniqueTopics('prometheus');

/** The repo's scrape config with the target pointed at the test's pipeline and a 1 s interval. */
function configFor(target: string): string {
  const config = parse(readFileSync(REPO_CONFIG, 'utf8')) as { global: Record<string, string>; scrape_configs: { static_configs: { targets: string[] }[] }[] };
  config.global.scrape_interval = '1s';
  config.global.evaluation_interval = '1s';
  for (const job of config.scrape_configs) for (const s of job.static_configs) s.targets = [target];
  return stringify(config);
}

function startApp(): Promise<string> {
  const args = [BIN, 'run', '--source', 'kafka', '--brokers', broker.brokers, '--topic-prefix', topics.prefix, '--group', `g-${topics.prefix}`];
  args.push('--strategy', 'both', '--port', '0', '--no-progress', '--no-dead-letters', '--checkpoint-interval', '500');
  app = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolveUrl, reject) => {
    app.stderr?.on('data', (chunk: Buffer) => {
      appStderr += chunk.toString();
      const match = /serving live reports on (http:\/\/[\d.:]+)/.exec(appStderr);
      if (match) resolveUrl(match[1]);
    });
    app.once('exit', (code) => reject(new Error(`run exited (${code}):\n${appStderr}`)));
  });
}

// The real product end to end: events in Kafka, `streampulse run --source kafka --strategy both`
// as its own process, Prometheus scraping it with the repo's config while events keep arriving.
beforeAll(async () => {
  dir = await makeTempDir('streampulse-prom-');
  broker = await obtainBroker();
  await generateDataset({ outDir: join(dir, 'first'), seed: 37, events: 20_000, users: 4_000, artists: 400 });
  await generateDataset({ outDir: join(dir, 'more'), seed: 38, events: 60_000, users: 4_000, artists: 400 });
  await replayToKafka({ brokers: [broker.brokers], topics, layout: await resolveInputDir(join(dir, 'first')), batchSize: 5_000, rate: 0, compression: 'none', log });
  appUrl = await startApp();
  prometheus = await startPrometheus(configFor(appUrl.replace('http://', '')));
  // a steady trickle keeps every rate() alive while the queries run
  trickle = replayToKafka({ brokers: [broker.brokers], topics, layout: await resolveInputDir(join(dir, 'more')), batchSize: 500, rate: 2_500, compression: 'none', log, only: 'events' });
  trickle.catch(() => {});
}, 300_000);

afterAll(async () => {
  app?.kill('SIGTERM');
  await prometheus?.stop();
  await trickle?.catch(() => {});
  if (broker !== undefined) {
    await deleteTopics(broker.brokers, topics).catch(() => {});
    await broker.stop();
  }
  await removeTempDir(dir);
});

describe('dashboards against a real Prometheus', () => {
  it('passes promtool on the repo config and on a scrape of /metrics', async () => {
    const config = spawnSync('promtool', ['check', 'config', REPO_CONFIG], { encoding: 'utf8' });
    expect(config.status, config.stdout + config.stderr).toBe(0);
    const scrape = await (await fetch(`${appUrl}/metrics`)).text();
    const metrics = spawnSync('promtool', ['check', 'metrics'], { input: scrape, encoding: 'utf8' });
    expect(metrics.status, metrics.stdout + metrics.stderr).toBe(0);
  });

  it('returns data for every panel query of every dashboard', async () => {
    // scrapes that succeeded in the last 30 s (the panels' shortest rate window): on a loaded
    // machine a scrape can time out (its timeout is the 1 s interval), and a count of all scrapes
    // then let the queries run on too few samples for a rate
    const scrapedFor = async (): Promise<number> => {
      const answer = await prometheus.query('sum_over_time(up[30s])');
      return Number((answer.data.result[0] as { value?: [number, string] } | undefined)?.value?.[1] ?? 0);
    };
    // a reader of the live reports, as the page or a client would be (snapshot-time panels); it
    // only makes load, so a reset connection (a keep-alive race on a busy machine) is no failure
    const read = (): void => {
      void fetch(`${appUrl}/reports`).then((r) => r.arrayBuffer(), () => {});
      void fetch(`${appUrl}/reports/genre_revenue`).then((r) => r.arrayBuffer(), () => {});
    };
    read();
    const reader = setInterval(read, 500);
    const readerStarted = Date.now();
    const deadline = Date.now() + 60_000;
    // and scrapes while the reader runs: its series must exist in several, for a rate (the 12
    // scrapes can be in before this test starts, when the pipeline came up quickly)
    while ((await scrapedFor()) < 12 || Date.now() - readerStarted < 6_000) {
      expect(app.exitCode, `the pipeline exited:\n${appStderr.slice(-3_000)}`).toBeNull();
      expect(Date.now(), `fewer than 12 scrapes of the pipeline succeeded in 30 s, for a minute:\n${appStderr.slice(-3_000)}`).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    clearInterval(reader);
    expect(PANEL_QUERIES.length).toBeGreaterThan(15);
    const empty: string[] = [];
    for (const q of PANEL_QUERIES) {
      const answer = await prometheus.query(q.expr);
      expect(answer.status, `${q.dashboard} / ${q.panel}: ${q.expr}`).toBe('success');
      if (answer.data.result.length === 0) empty.push(`${q.dashboard} / ${q.panel}: ${q.expr}`);
    }
    expect(empty, `pipeline stderr:\n${appStderr.slice(-3_000)}`).toEqual([]);
  });
});
