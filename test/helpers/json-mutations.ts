import type { Prng } from '../../src/generator/index.ts';

/** Characters a byte mutation inserts or substitutes: JSON structure, digits, escapes, controls, non-ASCII. */
const CHARS = ['"', '\\', '{', '}', '[', ']', ',', ':', '0', '1', '5', '9', '-', '+', '.', 'e', 'E', ' ', '\t', '\n', '\r', 'é', '\u0000', '\u0001', '\u001f', '\u007f', 't', 'n', 'u', '\ufeff'];

/** Up to three random single-character deletions, insertions or substitutions. */
export function mutate(line: string, prng: Prng): string {
  let text = line;
  for (let edits = prng.intInclusive(1, 3); edits > 0; edits--) {
    const at = prng.intInclusive(0, text.length);
    const op = prng.intInclusive(0, 2);
    if (op === 0) text = text.slice(0, at) + text.slice(at + 1);
    else if (op === 1) text = text.slice(0, at) + prng.pick(CHARS) + text.slice(at);
    else text = text.slice(0, at) + prng.pick(CHARS) + text.slice(at + 1);
  }
  return text;
}

/** Other spellings of a JSON number with the same value, and of nearby values. */
function numberText(value: number, prng: Prng): string {
  const plain = JSON.stringify(value);
  return prng.pick([plain, plain, `${plain}0`, plain.includes('.') ? `${plain}000` : `${plain}.000`, `${value * 100}e-2`, `${value / 10}E1`, `${value}e+0`, `-${plain}`, `0${plain}`, `${plain}5`, `${plain}00001`, `${value * 1e12}`, '1e400', '-0', '0.0']);
}

/** A valid flat record re-rendered: keys shuffled, extra fields, odd spacing, duplicates, escapes, other number spellings. */
export function restructure(line: string, prng: Prng): string {
  const entries: [string, unknown][] = Object.entries(JSON.parse(line) as Record<string, unknown>);
  const extras: unknown[] = ['s', 'é', -0.5, 1e21, 0, true, false, null, [], [1, ['x']], {}, { a: { b: [null] } }];
  for (let n = prng.intInclusive(0, 3); n > 0; n--) entries.splice(prng.intInclusive(0, entries.length), 0, [`x${n}`, prng.pick(extras)]);
  if (prng.intInclusive(0, 3) === 0) entries.push([prng.pick(entries)[0], prng.pick(entries)[1]]);
  if (prng.intInclusive(0, 9) === 0) entries.splice(prng.intInclusive(0, entries.length - 1), 1);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = prng.intInclusive(0, i);
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  const space = (): string => prng.pick(['', '', ' ', '\t', '\n ', '\r\n']);
  const value = (v: unknown): string => {
    if (typeof v === 'number' && prng.intInclusive(0, 2) === 0) return numberText(v, prng);
    const text = JSON.stringify(v);
    if (typeof v !== 'string' || prng.intInclusive(0, 5) !== 0) return text;
    return prng.pick([text.replace(/[a-z]/, (c) => `\\u00${c.charCodeAt(0).toString(16)}`), text.replace(/"$/, 'é"'), '""', '42', 'null']);
  };
  const key = (k: string): string => (prng.intInclusive(0, 19) === 0 ? JSON.stringify(k).replace(/[a-z]/, (c) => `\\u00${c.charCodeAt(0).toString(16)}`) : JSON.stringify(k));
  const bom = prng.intInclusive(0, 29) === 0 ? '\ufeff' : '';
  return `${bom}${space()}{${entries.map(([k, v]) => `${space()}${key(k)}${space()}:${space()}${value(v)}${space()}`).join(',')}}${space()}`;
}
