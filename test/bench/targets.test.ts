import { describe, expect, it } from 'vitest';
import { judgeTargets, type TargetFigures } from '../../bench/compare/targets.ts';

const met: TargetFigures = {
  events: 600_000,
  ratio: 1.2,
  ratioPairs: 7,
  p99Ms: 4,
  answers: 1200,
  clients: 4,
  pollMs: 10,
  slowdown: 0.05,
  helpMs: 120,
  peakRssMb: 350,
  workersIdentical: true,
  equalsDuckDB: true,
  workersLabel: '--workers 2',
  mergeMs: 1.2,
  mergeUsers: 100_000,
};

describe('judgeTargets', () => {
  it('passes every target when every figure is within it', () => {
    const targets = judgeTargets(met);
    expect(targets.every((t) => t.pass)).toBe(true);
    expect(targets[0].line).toBe("PASS  600,000 NDJSON whole process (--workers 2): 1.20× DuckDB's time, median of 7 pairs (target ≤ 1.5×, aim ≤ 1.0×)");
  });

  it('fails just past each bound and passes on it', () => {
    const fails = (f: Partial<TargetFigures>): string[] => judgeTargets({ ...met, ...f }).filter((t) => !t.pass).map((t) => t.line.split(':')[0]);
    expect(fails({ ratio: 1.5 })).toEqual([]);
    expect(fails({ ratio: 1.51 })).toEqual(['FAIL  600,000 NDJSON whole process (--workers 2)']);
    expect(fails({ p99Ms: 10.01 })).toHaveLength(1);
    expect(fails({ slowdown: 0.11 })).toHaveLength(1);
    expect(fails({ helpMs: 151 })).toHaveLength(1);
    expect(fails({ peakRssMb: 401 })).toHaveLength(1);
    expect(fails({ mergeMs: 2 })).toEqual([]);
    expect(fails({ mergeMs: 2.01 })).toHaveLength(1);
  });

  it('fails what could not be judged: no answers, no DuckDB, no second worker layout, a difference', () => {
    const failed = judgeTargets({ ...met, answers: 0, ratio: null, workersIdentical: null, equalsDuckDB: false }).filter((t) => !t.pass);
    expect(failed).toHaveLength(4);
  });
});
