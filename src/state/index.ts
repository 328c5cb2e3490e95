/**
 * Each events partition's state and next offset, kept in the consumer group's compacted state
 * topic (chunked, hashed, written chunks-manifest-tombstones), so a partition can move between
 * instances with its state.
 */
export { PartitionStateStore, type PartitionStateStoreOptions, type StateReadStats, type StateWriteStats } from './partition-state-store.ts';
export { CHUNK_BYTES, encodeState, type PartitionStateRecord, type RestoredPartitionState, type StateManifest } from './state-encoding.ts';
export { produceChunks, produceManifest, produceTombstones } from './state-writer.ts';
export { stateTopic } from '../kafka/topics.ts';
