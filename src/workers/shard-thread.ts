import type { MessagePort } from 'node:worker_threads';
import { Subject } from 'rxjs';
import { isSmallTable, smallTableImage } from '../domain/dimensions/small-table-image.ts';
import type { SourcePosition } from '../domain/records/raw-batch.ts';
import type { DeadLetter } from '../domain/records/rejection.ts';
import { CheckpointError, errorToData, InternalError } from '../errors.ts';
import { Pipeline } from '../pipeline.ts';
import type { BatchProgress } from '../../topology/graph.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { readNdjsonRecords } from '../sources/ndjson-reader.ts';
import { SubscriptionLoad } from './subscription-load.ts';
import { takePreloaded } from './subscription-preload.ts';
import { ownedLetter } from '../domain/records/rejection.ts';
import { unpackBatch } from './packed-batch.ts';
import { RecordingMetrics } from './recording-metrics.ts';
import { Publisher } from './publisher.ts';
import type { FromShard, ItemDone, ToShard } from './shard-protocol.ts';
import { initNow, listen, shardPort } from './shard-inbox.ts';
import { NO_USERS, numberUsers, type UserNumbering } from './user-numbering.ts';

/**
 * A shard: one worker thread running the whole topology (decode, enrich, six folds) over the
 * batches the main thread deals it, for the partitions it is given. It answers every item with
 * what the main thread needs at once (progress, dead letters, metrics), and publishes its partials
 * at batch boundaries, at most every `publishMs`, so queries never wait for a batch.
 */
const init = initNow();

// nothing a shard posts is transferred: see packed-batch.ts for what one detached buffer costs
const post = (message: FromShard): void => shardPort.postMessage(message);

let deadLetters: DeadLetter[] = [];
const metrics = new RecordingMetrics();
let partition = '0';
const positions = new Map<string, SourcePosition>();
const pipeline = new Pipeline({
  strategies: init.strategies,
  cacheSize: init.cacheSize,
  metrics,
  // a dead letter's bytes are a view of the whole batch: copied, so posting it does not clone the batch
  deadLetters: { write: (letters) => void deadLetters.push(...letters.map(ownedLetter)) },
  partitionOf: () => partition,
});

const items = new Subject<SourceItem>();
let last: BatchProgress | null = null;
let failed = false;
const fail = (error: unknown): void => {
  if (failed) return;
  failed = true;
  post({ type: 'failed', error: errorToData(error) });
};
pipeline.run(items, (p) => void (last = p)).catch(fail);

const publisher = new Publisher(init.shard, pipeline, init.strategies);
let lastPublish = 0;
let dirty = false;
let timer: NodeJS.Timeout | null = null;

/** Where publishes go: the merger's port, given before any item. */
let merger: MessagePort | null = null;

function publish(request?: number): void {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  if (pipeline.dims.dicts.user.size !== numbered.count) throw new InternalError(`shard ${init.shard} numbered ${pipeline.dims.dicts.user.size - numbered.count} users outside dimension rows`);
  if (merger === null) throw new InternalError(`shard ${init.shard} has nowhere to publish`);
  const message = publisher.publish(positions, request);
  // copied, not transferred (packed-batch.ts): the copy is a few hundred kilobytes a publish
  merger.postMessage(message);
  if (request !== undefined) post({ type: 'publish-sent', request, seq: message.seq });
  lastPublish = performance.now();
  dirty = false;
}

/** After a batch: publish if the interval has passed, or once it has (an idle shard still publishes its last batch). */
function publishSoon(): void {
  dirty = true;
  const wait = lastPublish + init.publishMs - performance.now();
  if (wait <= 0) publish();
  else timer ??= setTimeout(() => dirty && publish(), wait);
}

let numbered = NO_USERS;

function done(id: number, events: number, extra: { buffer?: SharedArrayBuffer; users?: UserNumbering; dimensions?: ItemDone['dimensions']; lines?: number; table?: ItemDone['table'] } = {}): void {
  const letters = deadLetters;
  deadLetters = [];
  post({ type: 'done', id, events, results: last?.results ?? [], deadLetters: letters, metrics: metrics.take(), ...extra });
}

/** Lines and bytes of the events file this shard has read in ranges finished, for its position. */
const filesRead = { path: '', lines: 0, bytes: 0 };
let stopReading = false;

/**
 * Reads one range of an events file and folds it batch by batch, as if each batch had been dealt:
 * the position of the partition counts the lines and bytes this shard has read of the file, since
 * its ranges are scattered over it.
 */
async function readRange(message: Extract<ToShard, { type: 'read' }>): Promise<void> {
  const { id, path, range, batchSize, maxRecordBytes } = message;
  partition = String(init.shard);
  // a position counts what this shard read of one file: the next file starts from nothing
  if (filesRead.path !== path) Object.assign(filesRead, { path, lines: 0, bytes: 0 });
  let lines = 0;
  let bytes = 0;
  /** The range's lines once it is read to its end: what the next range's line numbers start after. */
  let total: number | undefined;
  if (!stopReading) {
    // half a megabyte a read: a range reads past its end by at most that much
    for await (const batch of readNdjsonRecords(path, { batchSize, maxRecordBytes, range, chunkBytes: 1 << 19, onEnd: (n) => (total = n), reuseChunks: true })) {
      last = null;
      items.next({ kind: 'events', batch });
      if (failed) return;
      lines = batch.position.seq;
      bytes = Math.max(0, Math.min(batch.position.bytes ?? range.start, range.end) - range.start);
      positions.set(partition, { origin: path, seq: filesRead.lines + lines, bytes: filesRead.bytes + bytes });
      const letters = deadLetters;
      deadLetters = [];
      const folded = last as BatchProgress | null;
      post({ type: 'read-batch', id, events: folded?.batchEvents ?? 0, results: folded?.results ?? [], deadLetters: letters, metrics: metrics.take(), lines, bytes });
      publishSoon();
      if (stopReading) break;
    }
    // read to its end: every byte and line of it is accounted for, up to the end of the file
    if (total !== undefined) {
      bytes = range.end - range.start;
      lines = total;
    }
  }
  filesRead.lines += lines;
  filesRead.bytes += bytes;
  done(id, 0, total === undefined ? {} : { lines: total });
}

/** Reads a whole dimension table file and applies it batch by batch, as if each batch had been sent. */
async function readDimension(message: Extract<ToShard, { type: 'read-dimension' }>): Promise<void> {
  const { id, table, path, batchSize, maxRecordBytes } = message;
  const before = pipeline.progress.view().dimensions[table];
  let lines = 0;
  for await (const batch of readNdjsonRecords(path, { batchSize, maxRecordBytes })) {
    items.next({ kind: 'dimension', table, batch });
    if (failed) return;
    lines = batch.position.seq;
  }
  numbered = numberUsers(pipeline.dims.dicts.user);
  const dimensions = pipeline.progress.view().dimensions;
  const after = dimensions[table];
  const image = message.image === true && isSmallTable(table) ? smallTableImage(pipeline.dims, table) : undefined;
  const tableDone = image === undefined ? {} : { table: { image, applied: after.rows_applied - before.rows_applied, rejected: after.rejected - before.rejected } };
  done(id, 0, { users: numbered, dimensions, lines, ...tableDone });
}

/**
 * A partition's state moved in, out or away, or asked for (a Kafka run's partitions, as the group
 * assigns and revokes them): between batches, like every change to the state. A saved state that
 * does not validate refuses the request alone, and changes nothing.
 */
function changePartitions(message: Extract<ToShard, { type: 'restore' | 'drop' | 'hold' | 'save' }>): void {
  try {
    switch (message.type) {
      case 'restore':
        if (message.saved === null) pipeline.dropPartition(message.partition);
        else pipeline.restorePartition(message.partition, message.saved);
        // users were numbered ahead, on every shard alike ('users'): a restore numbering more would split them
        if (pipeline.dims.dicts.user.size !== numbered.count) throw new InternalError(`partition ${message.partition}'s saved state numbered users no 'users' message gave`);
        positions.set(message.partition, message.position);
        break;
      case 'drop':
        pipeline.dropPartition(message.partition);
        positions.delete(message.partition);
        break;
      case 'hold':
        pipeline.hold(message.partitions);
        break;
      case 'save':
        post({ type: 'saved', id: message.id, states: message.partitions.map((p) => pipeline.savePartition(p)) });
        return;
    }
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    post({ type: 'refused', id: message.id, error: errorToData(error) });
    return;
  }
  done(message.id, 0);
  // the merger's reports follow: a partition restored, dropped or no longer held shows at once
  publishSoon();
}

/** Messages in the order sent; a read holds those after it until it ends. */
let queue: Promise<void> = Promise.resolve();
/**
 * The subscription files this shard loads for every shard (the last shard's 'read-subscriptions'):
 * kept until the first events, after which no file is adopted, so its copy of the table goes.
 */
let subscriptionLoad: SubscriptionLoad | null = takePreloaded();

listen((message: ToShard) => {
  if (message.type === 'stop-reading') stopReading = true;
  else queue = queue.then(() => handle(message));
});

async function handle(message: Exclude<ToShard, { type: 'stop-reading' }>): Promise<void> {
  if (failed) return;
  try {
    switch (message.type) {
      case 'merger':
        merger = message.port;
        break;
      case 'read':
        subscriptionLoad = null;
        await readRange(message);
        break;
      case 'read-dimension':
        await readDimension(message);
        break;
      case 'dimension':
        items.next({ kind: 'dimension', table: message.table, batch: unpackBatch(message.batch) });
        if (failed) break;
        numbered = numberUsers(pipeline.dims.dicts.user);
        done(message.id, 0, { users: numbered, dimensions: pipeline.progress.view().dimensions });
        break;
      case 'events': {
        subscriptionLoad = null;
        partition = message.partition;
        last = null;
        const batch = unpackBatch(message.batch);
        items.next({ kind: 'events', batch });
        if (failed) break;
        positions.set(partition, batch.position);
        // nothing holds a view of an event batch once it is folded (dead letters are copies): its
        // buffer goes back to the main thread's pool, to carry the next batch
        done(message.id, last === null ? 0 : (last as BatchProgress).batchEvents, { buffer: message.batch.buffer });
        publishSoon();
        break;
      }
      case 'read-subscriptions': {
        const { id, path, batchSize, maxRecordBytes } = message;
        // not the file loaded ahead: its table goes, this file's starts afresh
        if (message.fresh === true) subscriptionLoad = null;
        subscriptionLoad ??= new SubscriptionLoad();
        const loaded = await subscriptionLoad.read(path, batchSize, maxRecordBytes);
        post({ type: 'subscriptions-read', id, ...loaded });
        break;
      }
      case 'adopt-table':
        pipeline.adoptSmallTable(message.image, message.applied, message.rejected, message.position);
        numbered = numberUsers(pipeline.dims.dicts.user);
        done(message.id, 0, { users: numbered, dimensions: pipeline.progress.view().dimensions });
        break;
      case 'adopt-subscriptions':
        pipeline.adoptSubscriptions(message.image, message.applied, message.rejected, message.position);
        numbered = numberUsers(pipeline.dims.dicts.user);
        done(message.id, 0, { users: numbered, dimensions: pipeline.progress.view().dimensions });
        break;
      case 'users':
        for (const user of message.users) pipeline.dims.dicts.user.intern(user);
        numbered = numberUsers(pipeline.dims.dicts.user);
        done(message.id, 0, { users: numbered });
        break;
      case 'restore':
      case 'drop':
      case 'hold':
      case 'save':
        changePartitions(message);
        break;
      case 'publish':
        publish(message.id);
        break;
      case 'close':
        if (timer !== null) clearTimeout(timer);
        items.complete();
        merger?.close();
        shardPort.close();
        break;
    }
  } catch (error) {
    fail(error);
  }
}
