import { parentPort, workerData } from 'node:worker_threads';
import type { ShardInit } from './shard-protocol.ts';
import { lowerThreadPriority, SHARD_NICE } from './thread-priority.ts';

// The shard's entry. Its priority drops below the main thread's (see thread-priority.ts) before
// its code loads, so even compiling it at start-up never keeps a query from a core. The loading
// shard first loads the subscriptions ahead (see subscription-preload.ts) at the main thread's
// priority: every shard's events wait for that table, and while the main thread loads its own
// code, a niced loader would get a tenth of the core it shares with the other threads starting.
const { preload } = workerData as ShardInit;
if (preload === undefined || parentPort === null) lowerThreadPriority(SHARD_NICE);
else {
  await (await import('./subscription-preload.ts')).preloadSubscriptions(preload, parentPort);
  lowerThreadPriority(SHARD_NICE);
}
await import('./shard-thread.ts');
