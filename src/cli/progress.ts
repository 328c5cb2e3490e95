import { Presets, SingleBar } from 'cli-progress';
import type { LogFn } from '../log/logger.ts';
import { thousands } from './thousands.ts';

const RATE_WINDOW_MS = 2_000;

/**
 * Progress on stderr: a live bar on a terminal only; elsewhere (CI, pipes, containers) a log line
 * every few seconds with the figures as fields, so long runs still show they are alive without
 * flooding logs or writing bar redraws into them.
 */
export class Progress {
  private bar: SingleBar | null = null;
  private lastLine = 0;
  private started = 0;
  private label = '';
  private total = 0;
  private unit = '';
  /** Recent (time, value) samples: the rate shown is over the last few seconds, not since start. */
  private readonly samples: { at: number; value: number }[] = [];

  constructor(
    private readonly enabled: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    /** Where lines go off a terminal (the command's logger); the stream itself when absent. */
    private readonly log?: LogFn,
  ) {}

  private line(text: string, fields: Record<string, unknown>): void {
    if (this.log !== undefined) this.log(text, { progress: this.label, unit: this.unit, ...fields });
    else this.stream.write(text + '\n');
  }

  start(label: string, total: number, unit: string): void {
    if (!this.enabled) return;
    this.started = performance.now();
    this.lastLine = this.started;
    if (this.stream.isTTY) {
      this.bar = new SingleBar(
        {
          format: total > 0 ? `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | {eta_formatted} left` : `${label} {value} ${unit} | {rate} ${unit}/s`,
          stream: this.stream,
          hideCursor: true,
        },
        Presets.shades_classic,
      );
      this.bar.start(total, 0, { rate: '0' });
    }
    this.label = label;
    this.total = total;
    this.unit = unit;
    if (this.bar === null) this.line(`${label}: started${total > 0 ? `, ${thousands(total)} ${unit} to go` : ''}`, { value: 0, total });
    this.samples.length = 0;
    this.samples.push({ at: this.started, value: 0 });
  }

  /** Units per second over the last ~2 s (since start while younger than that). */
  private recentRate(now: number, value: number): number {
    this.samples.push({ at: now, value });
    while (this.samples.length > 2 && now - this.samples[1].at >= RATE_WINDOW_MS) this.samples.shift();
    const oldest = this.samples[0];
    return Math.round((value - oldest.value) / Math.max((now - oldest.at) / 1000, 1e-3));
  }

  update(value: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    const rate = this.recentRate(now, value);
    if (this.bar !== null) {
      this.bar.update(Math.min(value, this.total), { rate: thousands(rate) });
    } else if (now - this.lastLine >= 2_000) {
      this.lastLine = now;
      const of = this.total > 0 ? `/${thousands(this.total)} ${this.unit} (${Math.floor((100 * value) / this.total)}%)` : ` ${this.unit}`;
      this.line(`${this.label}: ${thousands(value)}${of}, ${thousands(rate)} ${this.unit}/s`, { value, total: this.total, rate });
    }
  }

  stop(): void {
    if (this.bar !== null) {
      this.bar.stop();
      this.bar = null;
    }
  }
}
