import { shardInit, shardPort } from './shard-inbox.ts';
import { lowerThreadPriority, PRELOAD_NICE, SHARD_NICE } from './thread-priority.ts';

// The shard's entry. Its priority drops below the main thread's (see thread-priority.ts) before
// its code loads, so even compiling it at start-up never keeps a query from a core. The loading
// shard first loads the subscriptions ahead (see subscription-preload.ts) above the other shards,
// whose events all wait for that table: at their nice it got a tenth of a core beside the threads
// starting (the subscriptions posted 20-50 ms later), at the main thread's it slowed the first
// queries (p99 12 ms, the slow answers all in that load).
// A thread started ahead of its run (shard-pool.ts) waits for its init here.

// no top-level await: the build compiles this entry to a CommonJS bundle (see cached-bundle.ts)
async function start(): Promise<void> {
  const { preload } = await shardInit();
  if (preload === undefined) lowerThreadPriority(SHARD_NICE);
  else {
    lowerThreadPriority(PRELOAD_NICE);
    await (await import('./subscription-preload.ts')).preloadSubscriptions(preload, shardPort);
    lowerThreadPriority(SHARD_NICE);
  }
  await import('./shard-thread.ts');
}

void start();
