import { describe, expect, it } from 'vitest';
import { lineSplitter, replayRateOf, reportsUrlOf } from '../../bench/compare/run-output.ts';

describe('reportsUrlOf', () => {
  it('reads the URL from the pino JSON line run writes off a terminal', () => {
    const line = JSON.stringify({ level: 30, time: 1, pid: 9, source: 'file', msg: 'serving live reports on http://127.0.0.1:40123/reports (strategy cached)' });
    expect(reportsUrlOf(line)).toBe('http://127.0.0.1:40123/reports');
  });

  it('reads it from a readable line too, and from an IPv6 address', () => {
    expect(reportsUrlOf('[12:00:00] INFO: serving live reports on http://[::1]:8080/reports (strategy cached + naive)')).toBe('http://[::1]:8080/reports');
  });

  it('is null for other lines, and for the phrase inside another field than the message', () => {
    expect(reportsUrlOf(JSON.stringify({ msg: 'loaded 100,000 subscriptions' }))).toBeNull();
    expect(reportsUrlOf('{"msg":"loading","note":"serving live reports on http://127.0.0.1:1/reports"}')).toBeNull();
    expect(reportsUrlOf('')).toBeNull();
  });
});

describe('lineSplitter', () => {
  it('hands over whole lines however the chunks cut them, keeping a partial last line back', () => {
    const lines: string[] = [];
    const feed = lineSplitter((line) => lines.push(line));
    feed('{"msg":"a"}\n{"ms');
    feed('g":"b"}\n');
    feed('partial');
    expect(lines).toEqual(['{"msg":"a"}', '{"msg":"b"}']);
  });
});

describe('replayRateOf', () => {
  it("reads the replay's own rate from run's summary", () => {
    const stdout = 'report tables…\nreplayed 600,000 events in 2.51 s: 239,143 events/s (cached: 597,000 counted; total 3.40 s with dimensions)\n';
    expect(replayRateOf(stdout)).toEqual({ events: 600_000, seconds: 2.51, eventsPerSecond: 239_143 });
  });

  it('is null when there is no summary', () => {
    expect(replayRateOf('streampulse: no events [INPUT]\n')).toBeNull();
  });
});
