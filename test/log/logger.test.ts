import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logFn } from '../../src/log/logger.ts';
import { prettyLine } from '../../src/log/pretty-stream.ts';

class Lines extends Writable {
  readonly lines: string[] = [];
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  }
}

describe('logger', () => {
  it('writes one JSON object a line off a terminal, with level, ISO time, message and context', () => {
    const out = new Lines(false);
    const log = logFn(createLogger({ level: 'info', stream: out }).child({ source: 'kafka', group: 'g1' }));
    log('offset 5 of events/3 is below the start', { partition: 3 });
    expect(out.lines).toHaveLength(1);
    const entry = JSON.parse(out.lines[0]) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', msg: 'offset 5 of events/3 is below the start', source: 'kafka', group: 'g1', partition: 3 });
    expect(new Date(String(entry.time)).toISOString()).toBe(entry.time);
  });

  it('writes readable lines on a terminal', () => {
    const out = new Lines(true);
    createLogger({ level: 'info', stream: out }).child({ source: 'file' }).warn({ partition: 2 }, 'broker down');
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}broker down {2}source=file partition=2$/);
    expect(prettyLine('not json')).toBe('not json\n');
  });

  it('drops lines below --log-level', () => {
    const out = new Lines(false);
    const logger = createLogger({ level: 'warn', stream: out });
    logger.info('quiet');
    logger.debug('quieter');
    logger.error('loud');
    expect(out.lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['loud']);
  });

  it('redacts fields named like secrets wherever they sit in the context', () => {
    const out = new Lines(false);
    createLogger({ level: 'info', stream: out }).info({ password: 'hunter2', sasl: { username: 'alice', password: 'hunter2' }, token: 't0k' }, 'connecting');
    expect(out.lines[0]).not.toContain('hunter2');
    expect(out.lines[0]).not.toContain('t0k');
    expect(JSON.parse(out.lines[0])).toMatchObject({ password: '[redacted]', sasl: { username: 'alice', password: '[redacted]' } });
  });
});
