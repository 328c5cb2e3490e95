import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Measured {
  readonly status: number | null;
  readonly seconds: number;
  /** Peak of the summed RSS of the process and all its descendants (a JVM under Python counts). */
  readonly peakRssMb: number;
  readonly stdout: string;
  readonly stderr: string;
}

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may hold spaces and parentheses: fields start after the last ')'
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
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

function treeRssKb(root: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent !== null) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    total += rssKb(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/**
 * Runs a command to completion, timing it from spawn to exit and sampling the RSS of its whole
 * process tree every 100 ms (/proc; Linux only).
 */
export function measure(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; echo?: boolean } = {}): Promise<Measured> {
  const started = performance.now();
  const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let peak = 0;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (options.echo) process.stderr.write(chunk);
  });
  const sampler = setInterval(() => {
    if (child.pid !== undefined) peak = Math.max(peak, treeRssKb(child.pid));
  }, 100);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (status) => {
      clearInterval(sampler);
      resolve({ status, seconds: (performance.now() - started) / 1000, peakRssMb: Math.round(peak / 102.4) / 10, stdout, stderr });
    });
  });
}
