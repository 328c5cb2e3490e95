// The merger from source (tests, development): a worker thread does not inherit the main thread's
// tsx loader, so it registers its own. The compiled build starts dist/merger-worker.cjs instead.
import { register } from 'tsx/esm/api';

register();
await import('./merger-worker.ts');
