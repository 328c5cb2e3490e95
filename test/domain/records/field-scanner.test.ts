/**
 * The field scanner must agree with the reference decoder (decodeFields: JSON.parse plus the
 * declared checks) on every dimension row: whenever it settles a row itself, the reference accepts
 * that row with the same values. Hand-written edge cases plus thousands of seeded restructured and
 * mutated rows of generated dimension files, for each dimension schema.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFields } from '../../../src/domain/records/field-decoder.ts';
import { FieldScanner } from '../../../src/domain/records/field-scanner.ts';
import { Rejection } from '../../../src/domain/records/rejection.ts';
import { AD_RATE_FIELDS, PAYOUT_FIELDS, SUBSCRIPTION_FIELDS, type FieldSpec } from '../../../src/domain/records/schema.ts';
import { generateDataset, Prng } from '../../../src/generator/index.ts';
import { mutate, restructure } from '../../helpers/json-mutations.ts';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

let root: string | undefined;
const valid: Record<string, string[]> = {};
const TABLES = [
  ['subscriptions', SUBSCRIPTION_FIELDS],
  ['ad_rates', AD_RATE_FIELDS],
  ['payouts', PAYOUT_FIELDS],
] as const;

beforeAll(async () => {
  root = await makeTempDir('streampulse-field-scanner-');
  await generateDataset({ outDir: root, seed: 9, events: 10, users: 400, artists: 300 });
  for (const [table] of TABLES) valid[table] = (await readFile(join(root, `${table}.ndjson`), 'utf8')).split('\n').filter((l) => l !== '');
});

afterAll(async () => {
  await removeTempDir(root);
});

interface Agreement {
  mismatches: string[];
  accepted: number;
  fastPath: number;
}

const enc = new TextEncoder();

function compare(specs: readonly FieldSpec[], lines: readonly string[]): Agreement {
  const scanner = new FieldScanner(specs);
  const out: Agreement = { mismatches: [], accepted: 0, fastPath: 0 };
  lines.forEach((line, i) => {
    const ref = decodeFields(specs, line, null);
    if (!(ref instanceof Rejection)) out.accepted++;
    // padded on both sides: the scanner must keep to [start, end)
    const bytes = enc.encode(`{"x":${line}`);
    const start = 5;
    const end = start + enc.encode(line).length;
    if (!scanner.scan(bytes, start, end)) return;
    out.fastPath++;
    if (ref instanceof Rejection) out.mismatches.push(`#${i} ${JSON.stringify(line)}: scanner accepted, reference rejected (${ref.reason}: ${ref.detail})`);
    else {
      const got = scanner.record(bytes);
      if (JSON.stringify(got) !== JSON.stringify(ref)) out.mismatches.push(`#${i} ${JSON.stringify(line)}: scanner read ${JSON.stringify(got)}, reference ${JSON.stringify(ref)}`);
    }
  });
  return out;
}

const SUB = { user_id: 'USR-000001', plan: 'free', monthly_price: 14.99, country: 'IN' };
/** SUB with monthly_price spelled `price` (or removed when undefined), other fields as JSON. */
function priced(price: string | undefined): string {
  const parts = Object.entries(SUB)
    .filter(([k]) => k !== 'monthly_price' || price !== undefined)
    .map(([k, v]) => `${JSON.stringify(k)}:${k === 'monthly_price' ? price : JSON.stringify(v)}`);
  return `{${parts.join(',')}}`;
}
const S = JSON.stringify(SUB);

const EDGE_CASES: string[] = [
  S,
  ` \t${S}\r\n`,
  JSON.stringify(SUB, null, 2),
  JSON.stringify(Object.fromEntries(Object.entries(SUB).reverse())),
  ...[
    '14.99', '14.990', '14.9900000000', '14.99001', '14.99999', '1499e-2', '1.499E1', '14.99e0', '0', '0.0', '-0', '-0.0', '-1', '00', '01.5', '1.', '.5', '+1', '1e', '1e400',
    '0.0001', '0.00001', '0.00010', '1e-4', '1e-5', '123456789012.3456', '12345678901.2345', '1234567890123456789', '9007199254740993', '99999999999', '100000000000', '1e21',
    '0.1000000000000000055511151231257827', '14.9899999999999999999', '"14.99"', 'null', 'true', '[14.99]', '{}',
  ].map(priced),
  priced(undefined),
  S.replace('{', '{"monthly_price":1,'),
  S.replace('}', ',"plan":"family"}'),
  S.replace('{', '{"x":"y","n":-1.5e+3,"z":0,"m":-0,"t":true,"f":false,"u":null,'),
  S.replace('{', '{"obj":{"a":[1]},'),
  S.replace('{', '{"":1,"__proto__":{"plan":7},'),
  S.replace('"free"', '"fr\\u0065e"'),
  S.replace('"free"', '"fré"'),
  S.replace('"free"', '""'),
  S.replace('"free"', '"a\\"b"'),
  S.replace('"free"', '"\u007f"'),
  S.replace('"free"', '"\u0001"'),
  S.replace('"plan"', '"pl\\u0061n"'),
  S.replace('"plan"', '"plän"'),
  `\ufeff${S}`,
  `${S}x`,
  `${S},`,
  `${S}${S}`,
  S.replace(/}$/, ',}'),
  S.replace(',', ',,'),
  S.replace(':', '::'),
  '',
  '{}',
  '[]',
  'null',
  'not json',
];

describe('field scanner agrees with the reference decoder', () => {
  it('on hand-written subscription edge cases', () => {
    const result = compare(SUBSCRIPTION_FIELDS, EDGE_CASES);
    expect(result.mismatches).toEqual([]);
    expect(result.accepted).toBeGreaterThan(20);
    expect(result.fastPath).toBeGreaterThan(10);
  });

  for (const [table, specs] of TABLES) {
    it(`on every valid generated ${table} row, all on the fast path`, () => {
      const result = compare(specs, valid[table]);
      expect(result.mismatches).toEqual([]);
      expect(result.accepted).toBe(valid[table].length);
      expect(result.fastPath).toBe(valid[table].length);
    });

    it(`on 3,000 seeded restructured and mutated ${table} rows`, () => {
      const prng = new Prng(table.length, 7);
      const shaped = Array.from({ length: 1500 }, () => restructure(prng.pick(valid[table]), prng));
      const lines = [...shaped, ...Array.from({ length: 1500 }, () => mutate(prng.pick([...valid[table], ...shaped]), prng))];
      const result = compare(specs, lines);
      expect(result.mismatches).toEqual([]);
      // both outcomes and the scanner's own accept path must be exercised
      expect(result.accepted).toBeGreaterThan(600);
      expect(lines.length - result.accepted).toBeGreaterThan(600);
      expect(result.fastPath).toBeGreaterThan(200);
    });
  }
});
