import { lowerThreadPriority, MERGER_NICE } from './thread-priority.ts';

// The merger's entry: below the main thread, which answers queries, and above the shards, so
// renders stay fresh; set before its code loads, so compiling it never keeps a query from a core.
lowerThreadPriority(MERGER_NICE);
await import('./merger-thread.ts');
