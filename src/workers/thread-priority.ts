import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';

/**
 * Nice values: the shards', and the merger's and a shard's loading the subscriptions ahead (between
 * them and the main thread's 0: above the other shards, every shard's events wait for that table,
 * below the main thread, which answers queries meanwhile).
 */
export const SHARD_NICE = 10;
export const MERGER_NICE = 5;
export const PRELOAD_NICE = 5;

/**
 * Gives the calling thread a lower scheduling priority (a higher nice value), where the system
 * allows it: Linux applies a thread id's priority to that thread alone. Shards and the merger run
 * below the main thread, so on a machine whose cores they keep busy, a query still gets a core at
 * once rather than after a time slice of theirs; when the main thread is idle they get it all.
 * Elsewhere, or where it is refused, the thread keeps its priority: it is a latency nicety, not a
 * condition of correctness.
 */
export function lowerThreadPriority(nice: number): boolean {
  let tid: number;
  try {
    // /proc/thread-self is a link to /proc/<pid>/task/<tid>
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return false;
  }
  if (!Number.isInteger(tid) || tid <= 0) return false;
  try {
    setPriority(tid, Math.min(nice, constants.priority.PRIORITY_LOW));
    return true;
  } catch {
    return false;
  }
}
