import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../helpers/run-main.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const BIN = join(import.meta.dirname, '../../bin/streampulse.js');
// nothing listens on port 1 of loopback: every connection is refused at once
const NO_BROKER = '127.0.0.1:1';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('streampulse-kafka-failures-');
});
afterAll(async () => {
  await removeTempDir(dir);
});


const checkpoints = (dataDir: string): string[] => (existsSync(join(dataDir, 'checkpoints')) ? readdirSync(join(dataDir, 'checkpoints')) : []);

describe('a Kafka run never ends in a false success', () => {
  it('gives up on a broker that never answers after --connect-timeout: exit 1, one line, no checkpoint', async () => {
    const dataDir = join(dir, 'timeout');
    const started = performance.now();
    const r = await runMain(['run', '--source', 'kafka', '--brokers', NO_BROKER, '--once', '--connect-timeout', '1500', '--port', '0', '--no-progress', '--data-dir', dataDir]);
    const seconds = (performance.now() - started) / 1000;
    expect(r.code).toBe(1);
    const last = r.stderr.at(-1) ?? '';
    expect(last).toMatch(/^streampulse: no Kafka broker at 127\.0\.0\.1:1 answered within 1\.5 s .*\[SP_KAFKA_UNAVAILABLE\]$/);
    expect(r.stderr.filter((l) => l.includes('\tat ') || /^\s+at /.test(l))).toEqual([]);
    // bounded: the timeout plus one backoff step, not the old retry-forever
    expect(seconds).toBeLessThan(15);
    expect(checkpoints(dataDir)).toEqual([]);
  }, 30_000);

  it('stopped by SIGTERM before the source started: exit 1 saying so, and no (empty) checkpoint written', async () => {
    const dataDir = join(dir, 'sigterm');
    const child = spawn(process.execPath, [BIN, 'run', '--source', 'kafka', '--brokers', NO_BROKER, '--port', '0', '--no-progress', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!stderr.includes('not answering') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toContain('not answering');
    // while the source is down, /health says so with the reason rather than "ok"
    const url = /serving live reports on (http:\/\/\S+)\/reports/.exec(stderr)?.[1];
    expect(url).toBeDefined();
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'unavailable', source: 'connecting', reason: `waiting for Kafka at ${NO_BROKER}` });
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(stderr).toMatch(/stopped before the Kafka source reached the events topic: nothing was read, no checkpoint was written \[SP_INCOMPLETE_RUN\]/);
    expect(checkpoints(dataDir)).toEqual([]);
  }, 60_000);
});
