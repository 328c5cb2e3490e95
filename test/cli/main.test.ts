import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_COLUMNS, REPORT_NAMES } from '../../src/domain/reports/index.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const BIN = join(import.meta.dirname, '../../bin/streampulse.js');

function cli(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('streampulse-cli-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('streampulse CLI', () => {
  it.each([
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['run', '--strategy', 'fast'], /--strategy.*fast/],
    [['run', '--port', '70000'], /--port must be a whole number from 0 to 65535/],
    [['run', '--input', 'x', '--generate', '10'], /--input and --generate exclude each other/],
    [['run', '--advertise', 'ftp://10.0.0.7:8081'], /--advertise takes the http\(s\) URL peers reach this instance at.*ftp:/],
    [['generate'], /required option '--out <dir>'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['run', '--source', 'kafka', '--brokers', 'b:1', '--sasl-password', 'secret'], /unknown option '--sasl-password'/],
    [['produce', '--brokers', 'b:1', '--sasl-mechanism', 'gssapi'], /--sasl-mechanism.*gssapi/],
    [['run', '--source', 'kafka', '--brokers', 'b:1', '--sasl-mechanism', 'plain', '--sasl-username', 'u'], /needs a password: --sasl-password-file or KAFKA_SASL_PASSWORD/],
  ])('exits 2 with one line for %j', (args, message) => {
    const r = cli(args);
    expect(r.status).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('npm warn'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('prints help with exit 0', () => {
    const r = cli(['run', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--strategy <strategy>');
    expect(r.stdout).toContain('--report-json <file>');
  });

  it('exits 1 with a clear line when the input has no events', () => {
    const r = cli(['run', '--input', dir, '--once', '--port', '0', '--no-progress']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/has no subscriptions table/);
  });

  it('generates, replays once and writes the final snapshot as JSON', () => {
    const data = join(dir, 'data');
    const gen = cli(['generate', '--out', data, '--events', '5000', '--users', '800', '--artists', '90', '--seed', '3', '--no-progress']);
    expect(gen.status).toBe(0);
    const out = join(dir, 'report.json');
    const r = cli(['run', '--input', data, '--strategy', 'both', '--once', '--port', '0', '--report-json', out, '--no-progress', '--print-rows', '2']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/replayed 5,000 events in [\d.]+ s: [\d,]+ events\/s/);
    for (const name of REPORT_NAMES) expect(r.stdout).toContain(`${name} (`);
    const json = JSON.parse(readFileSync(out, 'utf8')) as { reports: Record<string, Record<string, unknown>[]>; strategies: Record<string, unknown> };
    expect(Object.keys(json.reports)).toEqual([...REPORT_NAMES]);
    for (const name of REPORT_NAMES) {
      expect(json.reports[name].length).toBeGreaterThan(0);
      for (const row of json.reports[name]) expect(Object.keys(row)).toEqual([...REPORT_COLUMNS[name]]);
    }
    expect(json.reports.artist_payouts).toHaveLength(90);
    expect(json.strategies.naive).toEqual(json.reports);
    const streams = json.reports.daily_summary.reduce((n, row) => n + (row.streams as number), 0);
    expect(streams).toBe(5000);
  });
});
