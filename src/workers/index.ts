export { ShardedPipeline, type ShardedPipelineOptions } from './sharded-pipeline.ts';
export { packBatch, unpackBatch, type PackedBatch } from './packed-batch.ts';
export { BufferPool } from './buffer-pool.ts';
export { startShards, type Shard } from './shard.ts';
export { subscriptionsAhead } from './subscriptions-ahead.ts';
export { PublishedReports } from './published-reports.ts';
