import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { generateDataset } from '../../src/generator/index.ts';
import { LocalBroker } from '../../src/kafka/local-broker.ts';
import { buildKafkaSecurity } from '../../src/kafka/security.ts';
import { PartitionStateStore } from '../../src/state/index.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { uniqueTopics } from './helpers/kafka-broker.ts';

const BIN = join(import.meta.dirname, '../../bin/streampulse.js');
const EVENTS = 6_000;
const BAD_LINES = ['not json', '{"event_id":"EVT-X"}'];
const USER = 'alice';
// distinctive, so a grep for it cannot match anything by chance
const PASSWORD = `pw-${randomUUID()}`;
const log = (line: string): void => void process.stderr.write(`[kafka-sasl] ${line}\n`);

let broker: LocalBroker;
let dir: string;
let data: string;
let passwordFile: string;
let oracle: Reports;

beforeAll(async () => {
  broker = await LocalBroker.start({ log, sasl: { username: USER, password: PASSWORD, tls: true } });
  dir = await makeTempDir('streampulse-sasl-');
  data = join(dir, 'data');
  await generateDataset({ outDir: data, seed: 5, events: EVENTS, users: 900, artists: 120 });
  await appendFile(join(data, 'events.ndjson'), BAD_LINES.join('\n') + '\n');
  passwordFile = join(dir, 'password');
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  const embedded = new Pipeline({ strategies: ['cached'], cacheSize: 1_000 });
  await embedded.run(readInputLayout(await resolveInputDir(data), 2_048));
  oracle = embedded.snapshot().reports;
}, 600_000);

afterAll(async () => {
  await broker?.stop();
  if (dir !== undefined) await removeTempDir(dir);
});

/** Polls `get` every 50 ms until it gives a value; fails naming `what` after `timeoutMs`. */
async function poll<T>(what: string, get: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Cli {
  readonly status: Promise<number | null>;
  readonly output: () => string;
  readonly stderr: () => string;
  kill(signal: NodeJS.Signals): void;
}

/** The real command line, its environment limited to what the test gives it. */
function cli(args: readonly string[], env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { status, output: () => stdout + stderr, stderr: () => stderr, kill: (signal) => void child.kill(signal) };
}

const sasl = (mechanism: string): string[] => ['--sasl-mechanism', mechanism, '--sasl-username', USER];

function plainListener(prefix: string): string[] {
  return ['--brokers', broker.saslBrokers as string, '--topic-prefix', prefix, '--partitions', '3'];
}

function tlsListener(prefix: string): string[] {
  const tls = broker.saslSsl as { brokers: string; caPath: string };
  return ['--brokers', tls.brokers, '--topic-prefix', prefix, '--partitions', '3', '--ssl', '--ssl-ca', tls.caPath];
}

async function produce(listener: string[], mechanism: string): Promise<void> {
  const p = cli(['produce', ...listener, ...sasl(mechanism), '--sasl-password-file', passwordFile, '--input', data, '--no-progress']);
  const status = await p.status;
  expect(status, p.output()).toBe(0);
  expect(p.output()).toContain(`produced ${(EVENTS + BAD_LINES.length).toLocaleString('en-US')} events`);
  expect(p.output()).not.toContain(PASSWORD);
}

async function reportsOf(path: string): Promise<Reports> {
  return (JSON.parse(await readFile(path, 'utf8')) as { reports: Reports }).reports;
}

describe('secured Kafka (real broker, SASL and TLS listeners)', () => {
  it.each([
    ['scram-sha-256', 'SASL_PLAINTEXT', plainListener],
    ['scram-sha-512', 'SASL_SSL', tlsListener],
  ])('produce + run --source kafka --once over %s (%s) give the embedded reports exactly', async (mechanism, _listener, listener) => {
    const topics = uniqueTopics(`sasl-${mechanism}`, 3);
    await produce(listener(topics.prefix), mechanism);
    const out = join(dir, `${mechanism}.json`);
    const run = cli(
      ['run', '--source', 'kafka', ...listener(topics.prefix), ...sasl(mechanism), '--group', `g-${topics.prefix}`, '--once', '--port', '0', '--no-progress'].concat([
        '--report-json', out, '--data-dir', dir,
      ]),
      { KAFKA_SASL_PASSWORD: PASSWORD },
    );
    expect(await run.status, run.output()).toBe(0);
    expect(await reportsOf(out)).toEqual(oracle);
    expect(run.output()).not.toContain(PASSWORD);
  });

  it.each([
    ['run', ['run', '--source', 'kafka', '--once', '--port', '0', '--no-progress']],
    ['produce', ['produce', '--no-progress']],
  ])('%s with a wrong password exits 1 at once with one SP_KAFKA_AUTH line naming the mechanism and user', async (_name, command) => {
    const wrong = `wrong-${randomUUID()}`;
    const topics = uniqueTopics('sasl-wrong', 1);
    const input = command[0] === 'produce' ? ['--input', data] : ['--data-dir', dir];
    const p = cli([...command, ...plainListener(topics.prefix), ...sasl('scram-sha-256'), ...input], { KAFKA_SASL_PASSWORD: wrong });
    // a client retrying refused credentials would hang here until the test's timeout
    const status = await p.status;
    expect(status, p.output()).toBe(1);
    const lines = p.stderr().split('\n').filter((l) => l.startsWith('streampulse:'));
    expect(lines, p.output()).toHaveLength(1);
    expect(lines[0]).toMatch(/SCRAM-SHA-256 as "alice".*\[SP_KAFKA_AUTH\]$/);
    expect(p.output()).not.toContain(wrong);
  }, 60_000);

  it('keeps the password out of everything a run shows: output, /health, /reports, /metrics, /dead-letters, saved states, dead letters', async () => {
    const topics = uniqueTopics('sasl-secrets', 3);
    await produce(plainListener(topics.prefix), 'scram-sha-256');
    const env = { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: USER, KAFKA_SASL_PASSWORD: PASSWORD };
    /** The group's state topic as another instance reads it: every partition's saved record. */
    const savedStates = async (): Promise<string> => {
      const store = await PartitionStateStore.open({ brokers: [broker.saslBrokers as string], topics, group: `g-${topics.prefix}`, log, timeoutMs: 30_000, security: buildKafkaSecurity({}, env) });
      try {
        return JSON.stringify([...(await store.readAll()).values()]);
      } finally {
        await store.close();
      }
    };
    const deadLetters = join(dir, 'secrets-dead-letters.ndjson');
    const run = cli(
      ['run', '--source', 'kafka', ...plainListener(topics.prefix), '--group', `g-${topics.prefix}`, '--port', '0', '--no-progress', '--checkpoint-interval', '100', '--dead-letters', deadLetters],
      env,
    );
    try {
      const url = await poll('the report server', () => /serving live reports on (http:\/\/[\d.:]+)/.exec(run.stderr())?.[1], 60_000);
      const get = async (path: string): Promise<string> => (await fetch(`${url}${path}`)).text();
      await poll('every event read', async () => ((JSON.parse(await get('/health')) as { events_read: number }).events_read === EVENTS + BAD_LINES.length ? true : undefined), 60_000);
      const pages = await Promise.all(['/health', '/reports', '/metrics', '/dead-letters'].map(get));
      expect(pages[3]).toContain('not json');
      run.kill('SIGTERM');
      expect(await run.status, run.output()).toBe(0);
      const files = [await savedStates(), await readFile(deadLetters, 'utf8')];
      expect(files[0]).toContain('"offset"');
      expect(files[1]).toContain('not json');
      for (const text of [...pages, ...files, run.output()]) expect(text).not.toContain(PASSWORD);
    } finally {
      run.kill('SIGKILL');
    }
  }, 180_000);
});
