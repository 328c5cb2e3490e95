// The shard from source (tests, development): a worker thread does not inherit the main thread's
// tsx loader, so it registers its own. The compiled build starts dist/shard-worker.cjs instead.
import { register } from 'tsx/esm/api';

register();
await import('./shard-worker.ts');
