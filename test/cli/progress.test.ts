import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Progress } from '../../src/cli/progress.ts';

class Lines extends Writable {
  readonly lines: string[] = [];
  isTTY = false;
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  }
}

describe('Progress', () => {
  beforeEach(() => void vi.useFakeTimers({ toFake: ['performance', 'Date'] }));
  afterEach(() => void vi.useRealTimers());

  it('shows the rate of the last seconds, not the average since the start', () => {
    const out = new Lines();
    const progress = new Progress(true, out as unknown as NodeJS.WriteStream);
    progress.start('producing events at 5,000/s', 0, 'events');
    let value = 0;
    // 10 s at 1,000/s, then 4 s at 5,000/s, updated every 100 ms
    for (let t = 0; t < 140; t++) {
      vi.advanceTimersByTime(100);
      value += t < 100 ? 100 : 500;
      progress.update(value);
    }
    const last = out.lines.at(-1) as string;
    expect(last).toMatch(/^producing events at 5,000\/s: 30,000 events, 5,000 events\/s$/);
    expect(out.lines.some((line) => line.endsWith(' 1,000 events/s'))).toBe(true);
  });

  it('is silent when disabled', () => {
    const out = new Lines();
    const progress = new Progress(false, out as unknown as NodeJS.WriteStream);
    progress.start('x', 10, 'events');
    progress.update(5);
    expect(out.lines).toEqual([]);
  });
});
