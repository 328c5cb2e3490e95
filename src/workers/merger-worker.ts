import { lowerThreadPriority, MERGER_NICE } from './thread-priority.ts';

// The merger's entry: below the main thread, which answers queries, and above the shards, so
// renders stay fresh; set before its code loads, so compiling it never keeps a query from a core.
lowerThreadPriority(MERGER_NICE);
// no top-level await: the build compiles this entry to a CommonJS bundle (see cached-bundle.ts)
void import('./merger-thread.ts');
