import { lowerThreadPriority, SHARD_NICE } from './thread-priority.ts';

// The shard's entry: its priority drops below the main thread's (see thread-priority.ts) before
// its code loads, so even compiling it at start-up never keeps a query from a core.
lowerThreadPriority(SHARD_NICE);
await import('./shard-thread.ts');
