import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TopicConfig } from '../../src/kafka/topics.ts';
import { PartitionStateStore, type StateReadStats } from '../../src/state/index.ts';

const BIN = join(import.meta.dirname, '../../bin/streampulse.js');
const log = (line: string): void => void process.stderr.write(line + '\n');

export interface ScaleRun {
  readonly instances: number;
  /** From starting the instances until every event is folded by one of them. */
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** The group's state topic once every instance has stopped cleanly (record bytes, all partitions). */
  readonly stateBytes: number;
  /** Reading one partition's state back, as an instance does at an assignment. */
  readonly restoreOne: { readonly seconds: number; readonly bytes: number };
}

function startInstance(brokers: string, topics: TopicConfig & { prefix: string }, group: string, folder: string): { child: ChildProcess; url: Promise<string> } {
  const args = [BIN, 'run', '--source', 'kafka', '--brokers', brokers, '--topic-prefix', topics.prefix, '--group', group, '--data-dir', folder, '--port', '0', '--no-progress', '--no-dead-letters'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /serving live reports on (http:\/\/[\d.:]+)/.exec(stderr);
      if (match !== null) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`instance exited (${code}) before folding everything:\n${stderr.slice(-2_000)}`)));
  });
  return { child, url };
}

async function eventsHeld(url: string): Promise<number> {
  const health = (await (await fetch(`${url}/health`)).json()) as { events_read: number };
  return health.events_read;
}

/**
 * `n` instances of one fresh group over an events topic already holding `events`: the time until
 * they have folded every event between them (start-up, group join and restores included), then a
 * clean stop (each writes its partitions' states), the state topic's size, and one partition's restore.
 */
export async function scaleOut(brokers: string, topics: TopicConfig & { prefix: string }, events: number, instances: number): Promise<ScaleRun> {
  const group = `bench-scale-${randomUUID().slice(0, 8)}`;
  const folder = mkdtempSync(join(tmpdir(), 'streampulse-scale-'));
  const started = performance.now();
  const running = Array.from({ length: instances }, (_, i) => startInstance(brokers, topics, group, join(folder, String(i))));
  try {
    const urls = await Promise.all(running.map((r) => r.url));
    for (;;) {
      const held = await Promise.all(urls.map(eventsHeld));
      if (held.reduce((a, b) => a + b, 0) >= events) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    log(`  ${instances} instance(s): every event folded after ${seconds.toFixed(2)} s`);
    await Promise.all(running.map((r) => new Promise((resolve) => (r.child.once('exit', resolve), r.child.kill('SIGTERM')))));
    let read: StateReadStats | null = null;
    const store = await PartitionStateStore.open({ brokers: [brokers], topics, group, log, timeoutMs: 30_000, onRead: (stats) => void (read = stats) });
    try {
      const all = await store.readAll();
      const stateBytes = (read as StateReadStats | null)?.bytes ?? 0;
      const fresh = await PartitionStateStore.open({ brokers: [brokers], topics, group, log, timeoutMs: 30_000, onRead: (stats) => void (read = stats) });
      try {
        await fresh.read([0]);
      } finally {
        await fresh.close();
      }
      const one = read as StateReadStats | null;
      if (all.size === 0) throw new Error('no partition state was written');
      return { instances, seconds, eventsPerSecond: events / seconds, stateBytes, restoreOne: { seconds: one?.seconds ?? 0, bytes: [...all.values()].find(() => true)?.bytes ?? 0 } };
    } finally {
      await store.close();
    }
  } finally {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    rmSync(folder, { recursive: true, force: true });
  }
}
