import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Measured {
  readonly status: number | null;
  readonly seconds: number;
  /** user + sys CPU seconds of the process and all its descendants. */
  readonly cpuSeconds: number;
  /** Peak of the summed RSS of the process and all its descendants (a JVM under Python counts). */
  readonly peakRssMb: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times, is 100 on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

export interface StatFields {
  readonly parent: number;
  /** utime + stime of the process itself. */
  readonly ownTicks: number;
  /** cutime + cstime: its children that it waited for, with their own waited-for descendants. */
  readonly childTicks: number;
}

/** The fields of a /proc/<pid>/stat line: the command name may hold spaces and parentheses, so fields start after the last ')'. */
export function parseStat(stat: string): StatFields {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state) of proc(5): ppid is 4, utime 14, stime 15, cutime 16, cstime 17
  return { parent: Number(fields[1]), ownTicks: Number(fields[11]) + Number(fields[12]), childTicks: Number(fields[13]) + Number(fields[14]) };
}

function statOf(pid: number | 'self'): StatFields | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

function rssKb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}

/** RSS and CPU ticks summed over `root` and its live descendants. */
function sampleTree(root: number): { rssKb: number; ticks: number } {
  const children = new Map<number, number[]>();
  const stats = new Map<number, StatFields>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = statOf(pid);
    if (stat === null) continue;
    stats.set(pid, stat);
    children.set(stat.parent, [...(children.get(stat.parent) ?? []), pid]);
  }
  let rss = 0;
  let ticks = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    const stat = stats.get(pid);
    rss += rssKb(pid);
    ticks += stat === undefined ? 0 : stat.ownTicks + stat.childTicks;
    stack.push(...(children.get(pid) ?? []));
  }
  return { rssKb: rss, ticks };
}

/**
 * Variables removed from every measured engine's environment. NODE_EXTRA_CA_CERTS makes Node load
 * and parse the root certificates at start, before any of a program's code runs: 55 ms of every
 * Node process on a machine whose package proxy sets it (this one: `node -e 0` first runs its code
 * 73 ms after start with it, 17 ms without), and nothing to Python or Java. No engine of the
 * comparison opens a TLS connection, so every engine runs without it, as on a machine without such
 * a proxy; the bench prints that it did.
 */
export const REMOVED_FROM_ENV = ['NODE_EXTRA_CA_CERTS'] as const;

/** The environment the engines run in: ours, less REMOVED_FROM_ENV. */
export function engineEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of REMOVED_FROM_ENV) delete copy[name];
  return copy;
}

export interface MeasureOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Copy the child's stderr to ours as it comes. */
  readonly echo?: boolean;
  /** Called with each chunk of the child's stderr as it comes. */
  readonly onStderr?: (chunk: string) => void;
}

/**
 * Runs a command to completion, timing it from spawn to exit and sampling the RSS and CPU of its
 * whole process tree every 100 ms (/proc; Linux only). CPU is the larger of what the kernel adds
 * to our own cutime/cstime when the child is reaped (exact for everything waited for) and the
 * last sample of the tree (which also sees descendants nobody waits for, such as a JVM).
 */
export function measure(command: string, args: readonly string[], options: MeasureOptions = {}): Promise<Measured> {
  const childTicksBefore = statOf('self')?.childTicks ?? 0;
  const started = performance.now();
  const child = spawn(command, args, { env: engineEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let peak = 0;
  let sampledTicks = 0;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stderr += text;
    if (options.echo) process.stderr.write(chunk);
    options.onStderr?.(text);
  });
  const sampler = setInterval(() => {
    if (child.pid === undefined) return;
    const sample = sampleTree(child.pid);
    peak = Math.max(peak, sample.rssKb);
    sampledTicks = Math.max(sampledTicks, sample.ticks);
  }, 100);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearInterval(sampler);
      reject(error);
    });
    // timed at exit; resolved once its pipes are drained, so stdout and stderr are whole
    let exitedAt = 0;
    child.once('exit', () => (exitedAt = performance.now()));
    child.once('close', (status) => {
      clearInterval(sampler);
      const reapedTicks = (statOf('self')?.childTicks ?? 0) - childTicksBefore;
      const cpuSeconds = Math.max(reapedTicks, sampledTicks) / TICKS_PER_SECOND;
      resolve({ status, seconds: ((exitedAt || performance.now()) - started) / 1000, cpuSeconds, peakRssMb: Math.round(peak / 102.4) / 10, stdout, stderr });
    });
  });
}
