// A worker thread that lowers its own priority with the project's function and says what it did.
import { readlinkSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { lowerThreadPriority, SHARD_NICE } = await import('../../src/workers/thread-priority.ts');
const lowered = lowerThreadPriority(SHARD_NICE);
parentPort.postMessage({ lowered, tid: Number(readlinkSync('/proc/thread-self').split('/').pop()) });
// stays alive until terminated, so the test reads its priority while the thread exists
globalThis.setInterval(() => {}, 1_000);
