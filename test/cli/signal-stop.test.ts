import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const BIN = join(import.meta.dirname, '../../bin/streampulse.js');

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('streampulse-signal-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('a --once run stopped by a signal', () => {
  it('exits 1 saying the input was not exhausted, and writes no report that could pass for a whole one', async () => {
    const report = join(dir, 'report.json');
    // the naive strategy replays slowly enough (~10,000 events/s) for the signal to land mid-replay
    const child = spawn(process.execPath, [BIN, 'run', '--generate', '100000', '--users', '5000', '--artists', '200', '--strategy', 'naive', '--data-dir', dir, '--once', '--port', '0', '--report-json', report], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!stderr.includes('replaying events: started') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(1);
    expect(stderr.trimEnd().split('\n').at(-1)).toBe('streampulse: stopped by SIGTERM before the input was exhausted [SP_INCOMPLETE_RUN]');
    expect(existsSync(report)).toBe(false);
  }, 90_000);
});
