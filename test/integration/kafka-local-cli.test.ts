import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const CLI = join(import.meta.dirname, '../../src/kafka/broker-cli.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('streampulse-kafka-local-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('npm run kafka:local', () => {
  it('on a first run (jars resolved by Maven) prints KAFKA_BROKERS= on a clean line of its own, and stops on SIGTERM', async () => {
    // a fresh working folder: the jars are resolved into its .streampulse, as on a new machine
    const child = spawn(process.execPath, ['--import', TSX, CLI], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 240_000;
    while (!/^KAFKA_BROKERS=/m.test(stdout) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    expect(stdout).toMatch(/^KAFKA_BROKERS=127\.0\.0\.1:\d+$/m);
    expect(stderr).toContain('resolving Apache Kafka');
    // no terminal escape codes anywhere, so `grep '^KAFKA_BROKERS='` finds the line
    expect((stdout + stderr).includes(String.fromCharCode(0x1b))).toBe(false);
  }, 300_000);
});
