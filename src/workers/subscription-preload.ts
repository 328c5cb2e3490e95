import type { MessagePort } from 'node:worker_threads';
import { errorToData } from '../errors.ts';
import { PRELOAD_ID, type FromShard } from './shard-protocol.ts';
import { SubscriptionLoad, type SubscriptionFileRequest } from './subscription-load.ts';

let preloaded: SubscriptionLoad | null = null;

/**
 * The subscriptions file of a replay, loaded by the loading shard as soon as its thread starts:
 * before the rest of its code loads and before the main thread has read the input layout. Events
 * wait for this table, so the load is on the run's time; begun at once it overlaps the other
 * shards' start-up and the main thread's, instead of following its own thread's code loading.
 *
 * The table is posted unasked, answering PRELOAD_ID (a failure as that id's refusal, for the
 * request that takes it to report); the main thread uses it for its first subscriptions file when
 * that is this file as it listed it, and otherwise has the shard load afresh (see
 * Shard.readSubscriptions). The shard's own code, loaded after this, takes the load on with
 * takePreloaded(), so a later subscriptions file lands in the same table.
 */
export async function preloadSubscriptions(request: SubscriptionFileRequest, port: MessagePort): Promise<void> {
  const load = new SubscriptionLoad();
  try {
    const loaded = await load.read(request.path, request.batchSize, request.maxRecordBytes);
    preloaded = load;
    port.postMessage({ type: 'subscriptions-read', id: PRELOAD_ID, ...loaded } satisfies FromShard);
  } catch (error) {
    port.postMessage({ type: 'refused', id: PRELOAD_ID, error: errorToData(error) } satisfies FromShard);
  }
}

/** The table loaded ahead, once (null when none was, or it failed). */
export function takePreloaded(): SubscriptionLoad | null {
  const load = preloaded;
  preloaded = null;
  return load;
}
