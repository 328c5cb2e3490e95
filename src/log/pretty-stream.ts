import type { Writable } from 'node:stream';

const LEVEL_WIDTH = 5;
/** pino's own fields, shown in their place rather than as context. */
const OWN = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

function value(v: unknown): string {
  return typeof v === 'string' && !/[\s="]/.test(v) ? v : JSON.stringify(v);
}

/** One pino JSON line as a person reads it: `16:04:14.123 INFO  message  source=kafka partition=3`. */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : json + '\n';
  }
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const level = String(entry.level ?? '').toUpperCase().padEnd(LEVEL_WIDTH);
  const context = Object.entries(entry)
    .filter(([key]) => !OWN.has(key))
    .map(([key, v]) => `${key}=${value(v)}`)
    .join(' ');
  return `${time} ${level} ${String(entry.msg ?? '')}${context === '' ? '' : `  ${context}`}\n`;
}

/** A pino destination that writes readable lines to a terminal instead of JSON. */
export function prettyStream(out: Writable): { write(line: string): void } {
  return { write: (line) => void out.write(prettyLine(line)) };
}
