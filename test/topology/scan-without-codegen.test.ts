/**
 * The scanners compiled from the field declarations (`new Function`) give way where code may not
 * be generated from strings: under `node --disallow-code-generation-from-strings` the events and
 * the dimension rows are read by the general byte scanners instead, to the same values.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Decodes a few events and scans a subscription row; prints what was read, and whether the compiled scan was there. */
const PROBE = `
const { createDictionaries } = await import('./src/domain/dictionary.ts');
const { rawBatchFromLines } = await import('./src/domain/records/raw-batch.ts');
const { decodeEventBatch } = await import('./topology/operators/decode-events.ts');
const { createEventScanner } = await import('./topology/event-scanner.ts');
const { scanDeclared } = await import('./topology/scan-declared.ts');
const { FieldScanner } = await import('./src/domain/records/field-scanner.ts');
const { SUBSCRIPTION_FIELDS } = await import('./src/domain/records/schema.ts');
const dicts = createDictionaries();
dicts.user.intern('USR-000001');
dicts.artist.intern('ART-00001');
const event = (duration, completed) => JSON.stringify({ event_id: 'EVT-1', user_id: 'USR-000001', artist_id: 'ART-00001', genre: 'Pop', region: 'Europe', duration_sec: duration, completed, device: 'tv', event_date: '2024-02-29' });
const scanner = createEventScanner(dicts);
const batch = decodeEventBatch(rawBatchFromLines([event(215, false), event(7, true), event(-1, true)]), dicts, scanner);
const rows = Array.from({ length: batch.count }, (_, i) => [batch.user[i], batch.artist[i], batch.genre[i], batch.duration[i], batch.completed[i], batch.day[i]]);
const row = Buffer.from('{"user_id":"USR-000001","plan":"premium","monthly_price":9.99,"country":"DE"}');
const fields = new FieldScanner(SUBSCRIPTION_FIELDS);
const scanned = fields.scan(row, 0, row.length);
const compiled = scanDeclared(scanner, Buffer.from(event(1, true)), 0, event(1, true).length);
console.log(JSON.stringify({ rows, rejected: batch.rejected.map((r) => r.reason), scanned, plan: fields.text(row, 1), price: fields.units[2], compiled }));
`;

function probe(flags: readonly string[]): { rows: number[][]; rejected: string[]; scanned: boolean; plan: string; price: number; compiled: boolean } {
  const out = execFileSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', PROBE], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() as string);
}

describe('the compiled scanners where code generation is disallowed', () => {
  it('read events and dimension rows as the compiled ones do', () => {
    const compiled = probe([]);
    const general = probe(['--disallow-code-generation-from-strings']);
    // the compiled common spelling ran in one process and not in the other
    expect(compiled.compiled).toBe(true);
    expect(general.compiled).toBe(false);
    expect(general.rows).toEqual(compiled.rows);
    expect(compiled.rows).toHaveLength(2);
    expect(general.rejected).toEqual(compiled.rejected);
    expect({ ...general, compiled: true }).toEqual(compiled);
    expect(compiled.scanned).toBe(true);
    expect(compiled.plan).toBe('premium');
  }, 60_000);
});
