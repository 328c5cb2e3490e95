import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, Prng } from '../../src/generator/index.ts';
import { startReportServer, type RunningServer } from '../../src/http/report-server.ts';
import { PrometheusMetrics } from '../../src/metrics/prometheus-metrics.ts';
import type { LivePipeline } from '../../src/live-pipeline.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { DeadLetterLog } from '../../src/sources/dead-letter-log.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { rawRequest, type RawAnswer } from '../helpers/raw-http.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const REQUESTS = 10_000;
const CONCURRENCY = 24;
const EVENTS = 40_000;

/** What a case is: a request line with headers (however broken), or bytes that are no request at all. */
type Kind = 'request' | 'garbage';
interface Case {
  readonly kind: Kind;
  readonly bytes: Buffer;
}

const METHODS = ['GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'get', 'FOO', 'G E T', ''];
const ROUTES = ['/', '/health', '/reports', '/reports/genre_revenue', '/reports/daily_summary', '/dead-letters', '/metrics', '/live-page.js', '/index.html', '/nope'];
const PERCENT = ['%', '%zz', '%E0%A4', '%00', '%2F', '%%', '%c0%af', '%ff', '%u0041', '%25'];
const VERSIONS = [...Array<string>(6).fill('HTTP/1.1'), 'HTTP/1.0', '', 'HTTP/2.0', 'HTTP/1.1x', 'HTTX/1.1', 'HTTP/9'];

/** Seeded, so every run throws the same 10,000 cases and a failure can be replayed. */
function generateCases(seed: number, port: number): Case[] {
  const rng = new Prng(seed);
  const bytes = (n: number, from = 0, to = 255): Buffer => Buffer.from(Array.from({ length: n }, () => rng.intInclusive(from, to)));
  const printable = (n: number): string => bytes(n, 0x21, 0x7e).toString('latin1');
  const pathPart = (): string => {
    const roll = rng.intInclusive(0, 9);
    if (roll <= 2) return rng.pick(PERCENT);
    if (roll <= 4) return printable(rng.intInclusive(1, 30));
    if (roll === 5) return bytes(rng.intInclusive(1, 12), 0x80, 0xff).toString('latin1');
    if (roll === 6) return bytes(rng.intInclusive(1, 6)).toString('latin1');
    return rng.pick(['genre_revenue', 'x', '..', '', '/', 'reports']);
  };
  const query = (): string =>
    rng.pick(['', '', '?strategy=naive', '?strategy=fast', '?format=csv', '?format=xml', '?%', '?&&==', `?strategy=${pathPart()}&format=${pathPart()}`, `?${printable(20)}`]);
  const target = (): string => {
    switch (rng.intInclusive(0, 9)) {
      case 0:
        return rng.pick(['http://[', 'http://[::1', 'http://evil.example/reports', `http://localhost:${port}/health`, 'http://', 'https://[zz]/x', '*', 'mailto:x', '//evil/x']);
      case 1:
        return `/${'a'.repeat(rng.intInclusive(8_000, 40_000))}`;
      case 2:
        return '';
      case 3:
      case 4:
        return `${rng.pick(ROUTES)}${query()}`;
      default:
        return `${rng.pick(['/', '/reports/', '/dead-letters/'])}${Array.from({ length: rng.intInclusive(1, 2) }, pathPart).join('')}${query()}`;
    }
  };
  const host = (): string | null =>
    rng.pick([`127.0.0.1:${port}`, `127.0.0.1:${port}`, 'localhost', '[::1]', 'app.localhost', 'evil.example', `evil.example:${port}`, '', printable(12), bytes(8).toString('latin1'), null]);
  const cases: Case[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    if (rng.intInclusive(0, 9) === 0) {
      cases.push({ kind: 'garbage', bytes: bytes(rng.intInclusive(0, 600)) });
      continue;
    }
    // one part at a time is drawn from everything (broken ones too), the rest well-formed, so
    // each way of breaking a request meets handlers as well as the parser
    const wild = rng.pick(['method', 'target', 'version', 'host', 'headers', 'ending', 'all', 'none']);
    const draw = <T>(part: string, any: () => T, fine: () => T): T => (wild === part || wild === 'all' ? any() : fine());
    const version = draw('version', () => rng.pick(VERSIONS), () => rng.pick(['HTTP/1.1', 'HTTP/1.0']));
    const method = draw('method', () => rng.pick(METHODS), () => rng.pick(['GET', 'GET', 'HEAD', 'POST']));
    const path = draw('target', target, () => `${rng.pick(ROUTES)}${rng.pick(['', '?strategy=naive', '?format=csv'])}`);
    let text = `${method} ${path}${version === '' ? '' : ` ${version}`}\r\n`;
    const h = draw('host', host, () => rng.pick([`127.0.0.1:${port}`, 'localhost']));
    if (h !== null) text += `Host: ${h}\r\n`;
    if (rng.bool()) text += 'Connection: close\r\n';
    if (wild === 'headers' || wild === 'all') {
      if (rng.bool()) text += `${printable(rng.intInclusive(1, 10))}: ${bytes(rng.intInclusive(0, 20), 0x20, 0xff).toString('latin1')}\r\n`;
      if (rng.bool()) text += `Content-Length: ${rng.pick(['5', '0', '-1', 'x', '99999999999999999999'])}\r\n`;
      if (rng.bool()) text += 'Transfer-Encoding: chunked\r\n';
    }
    // sometimes no blank line (the head never ends), sometimes a body or a second request after it
    text += draw('ending', () => rng.pick(['\r\n', '', '\r\nhello', `\r\nGET /health HTTP/1.1\r\nHost: localhost\r\n\r\n`]), () => '\r\n');
    cases.push({ kind: 'request', bytes: Buffer.from(text, 'latin1') });
  }
  return cases;
}

let dir: string;
let server: RunningServer;
let port: number;
let pipeline: Pipeline;
let run: Promise<void>;
let fuzzing = true;

const BATCH = 200;
/** Requests answered before each next batch, so the replay spans the whole fuzz (dimension batches come first). */
const REQUESTS_PER_BATCH = Math.floor(REQUESTS / (EVENTS / BATCH));
let answered = 0;

/** Feeds batches in step with the fuzz (not with a clock), so requests meet the pipeline mid-stream on any machine. */
async function* paced(items: AsyncIterable<SourceItem>): AsyncGenerator<SourceItem> {
  let fed = 0;
  for await (const item of items) {
    while (fuzzing && answered < fed * REQUESTS_PER_BATCH) await sleep(2);
    yield item;
    fed++;
  }
}

beforeAll(async () => {
  dir = await makeTempDir('streampulse-http-fuzz-');
  await generateDataset({ outDir: dir, seed: 19, events: EVENTS, users: 2_000, artists: 200 });
  const metrics = new PrometheusMetrics();
  pipeline = new Pipeline({ strategies: ['cached', 'naive'], cacheSize: 500, metrics, deadLetters: new DeadLetterLog(null) });
  // /reports as bytes, as the sharded pipeline gives it: every connection starts on the fast path
  // for plain polls (reports-fast-path.ts) and each case that is anything else meets node:http after it
  const served: LivePipeline = {
    strategies: pipeline.strategies,
    primary: pipeline.primary,
    progress: pipeline.progress,
    run: (source, onBatch) => pipeline.run(source, onBatch),
    snapshot: (strategy) => pipeline.snapshot(strategy),
    snapshotJson: (strategy) => [JSON.stringify(pipeline.snapshot(strategy))],
    planAdRevenue: (strategy) => pipeline.planAdRevenue(strategy),
  };
  server = await startReportServer({ host: '127.0.0.1', port: 0, pipeline: served, metrics, deadLetters: new DeadLetterLog(null), onError: () => {} });
  port = Number(new URL(server.url).port);
  run = pipeline.run(paced(readInputLayout(await resolveInputDir(dir), BATCH)));
});

afterAll(async () => {
  fuzzing = false;
  await run?.catch(() => {});
  await server?.close();
  await removeTempDir(dir);
});

const health = (): Promise<RawAnswer> => rawRequest(port, 'GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
const eventsRead = (answer: RawAnswer): number => (JSON.parse(answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4)) as { events_read: number }).events_read;

describe('report server under fuzzed requests', () => {
  it('answers every parsable request with a valid status line and stays up while ingesting', { timeout: 120_000 }, async () => {
    const cases = generateCases(20_240_601, port);
    const answers: RawAnswer[] = new Array(cases.length);
    const healthReads: number[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) {
        const i = next++;
        answers[i] = await rawRequest(port, cases[i].bytes);
        answered++;
        if (i % 500 === 0) {
          const h = await health();
          expect(h.status, `health after case ${i}`).toBe(200);
          healthReads.push(eventsRead(h));
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    fuzzing = false;

    const closedUnanswered = new Map<Kind, number>([['request', 0], ['garbage', 0]]);
    const statuses = new Map<number, number>();
    cases.forEach((c, i) => {
      const answer = answers[i];
      const shown = JSON.stringify(c.bytes.toString('latin1').slice(0, 120));
      expect(answer.timedOut, `no answer nor close for ${shown}`).toBe(false);
      if (answer.noAnswer) {
        closedUnanswered.set(c.kind, (closedUnanswered.get(c.kind) ?? 0) + 1);
        return;
      }
      expect(answer.text, shown).toMatch(/^HTTP\/1\.1 [1-5]\d\d [^\r\n]*\r\n/);
      statuses.set(answer.status!, (statuses.get(answer.status!) ?? 0) + 1);
    });
    // only bytes that are no request at all may meet a closed connection with no answer
    expect(closedUnanswered.get('request')).toBe(0);
    // every kind of answer was met, and no handler broke (500 would be a handler's bug)
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 400, 404, 405, 421, 431]));
    expect(statuses.get(500) ?? 0).toBe(0);
    // the pipeline was mid-stream while the server was being fuzzed
    expect(healthReads.filter((n) => n > 0 && n < EVENTS).length).toBeGreaterThanOrEqual(healthReads.length - 3);
    const end = await health();
    expect(end.status).toBe(200);
    await run;
    expect(eventsRead(await health())).toBe(EVENTS);
    process.stderr.write(`fuzz: ${REQUESTS} cases, events read at each probe ${healthReads.join(' ')};  statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}, closed unanswered ${JSON.stringify(Object.fromEntries(closedUnanswered))}\n`);
  });
});
