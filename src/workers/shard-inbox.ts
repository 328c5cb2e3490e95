import { parentPort, workerData } from 'node:worker_threads';
import { InternalError } from '../errors.ts';
import { AWAITS_INIT, type ShardInit, type ShardStart, type ToShard } from './shard-protocol.ts';

/**
 * A shard thread's messages from the main thread: its ShardInit (workerData, or for a thread
 * started ahead of its run the first message: see shard-pool.ts), then its ToShard messages,
 * held from the thread's start until the shard's code listens, so none is missed while it loads.
 */
const port = parentPort;
if (port === null) throw new InternalError('a shard runs as a worker thread');
/** The thread's port to the main thread. */
export const shardPort = port;

let init: ShardInit | undefined = workerData === AWAITS_INIT ? undefined : (workerData as ShardInit);
let initialised: (init: ShardInit) => void = () => {};
const initPromise: Promise<ShardInit> = init !== undefined ? Promise.resolve(init) : new Promise((resolve) => (initialised = resolve));
const held: ToShard[] = [];
let handler: ((message: ToShard) => void) | null = null;

port.on('message', (message: ToShard | ShardStart) => {
  if (init === undefined) {
    if (message.type !== 'init') throw new InternalError(`a shard started ahead was sent '${message.type}' before its init`);
    init = message.init;
    initialised(init);
  } else if (handler !== null) handler(message as ToShard);
  else held.push(message as ToShard);
});

/** The shard's init, once it has come. */
export function shardInit(): Promise<ShardInit> {
  return initPromise;
}

/** The init, for code loaded after it came. */
export function initNow(): ShardInit {
  if (init === undefined) throw new InternalError("a shard's code was loaded before its init came");
  return init;
}

/** Every message from now on to `onMessage`, those held first; once. */
export function listen(onMessage: (message: ToShard) => void): void {
  if (handler !== null) throw new InternalError('a shard listens to its messages once');
  handler = onMessage;
  for (const message of held.splice(0)) onMessage(message);
}
