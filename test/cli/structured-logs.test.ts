import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const BIN = join(import.meta.dirname, '../../bin/streampulse.js');

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('streampulse-logs-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('structured logs', () => {
  it('off a terminal every log line is JSON with its source, progress included, and no progress bar is drawn', () => {
    // piped stderr is not a terminal: what a container or CI sees
    const r = spawnSync(process.execPath, [BIN, 'run', '--generate', '20000', '--users', '2000', '--artists', '100', '--data-dir', dir, '--once', '--port', '0'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('npm warn'));
    expect(lines.length).toBeGreaterThan(2);
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const entry of entries) expect(entry).toMatchObject({ level: 'info', source: 'file', time: expect.any(String), msg: expect.any(String) });
    expect(entries.some((e) => String(e.msg).startsWith('serving live reports on http://127.0.0.1:'))).toBe(true);
    expect(entries.some((e) => e.progress === 'replaying events' && typeof e.value === 'number')).toBe(true);
    // a bar redraw would leave carriage returns and escape codes in the log
    expect(r.stderr.includes('\r') || r.stderr.includes(String.fromCharCode(0x1b))).toBe(false);
    expect(r.stdout).toContain('genre_revenue');
  }, 120_000);

  it('--log-level warn keeps info lines out; a bad level exits 2 with one line', () => {
    const quiet = spawnSync(process.execPath, [BIN, 'run', '--generate', '2000', '--users', '500', '--artists', '50', '--data-dir', dir, '--once', '--port', '0', '--log-level', 'warn', '--no-progress'], { encoding: 'utf8', timeout: 120_000 });
    expect(quiet.status, quiet.stderr).toBe(0);
    expect(quiet.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('npm warn'))).toEqual([]);
    const bad = spawnSync(process.execPath, [BIN, 'run', '--log-level', 'loud'], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  }, 120_000);
});
