import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SHARD_NICE } from '../../src/workers/thread-priority.ts';

/** A thread's nice value as the kernel holds it: field 19 of /proc/<pid>/task/<tid>/stat. */
function niceOf(tid: number): number {
  const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
  // the command name (field 2) is in parentheses and may hold spaces: count from after it
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('lowerThreadPriority', () => {
  it.runIf(process.platform === 'linux')('lowers the calling thread alone, not the process', async () => {
    const worker = new Worker(new URL('../helpers/lower-priority-worker.mjs', import.meta.url));
    const answer = await new Promise<{ lowered: boolean; tid: number }>((resolve) => worker.once('message', resolve));
    try {
      expect(answer.lowered).toBe(true);
      expect(niceOf(answer.tid)).toBe(SHARD_NICE);
      expect(niceOf(process.pid)).toBe(0);
    } finally {
      await worker.terminate();
    }
  });
});
