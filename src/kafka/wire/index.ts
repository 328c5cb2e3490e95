/**
 * StreamPulse's Kafka wire client: the hot paths (idempotent produce, fetch, consumer group
 * membership, offsets) spoken directly over the Kafka protocol, record values kept as views of
 * the bytes read from the socket.
 */
export { Cluster, type ClusterOptions } from './cluster.ts';
export { CODECS, type Codec } from './compression.ts';
export type { Assignment, PartitionOwner, PartitionOwners } from './consumer-protocol.ts';
export { Fetcher, partitionKey, type FetchedChunk, type FetcherOptions } from './fetcher.ts';
export { GroupMember, type GroupMemberOptions } from './group-member.ts';
export { endOffsets, partitionOffsets } from './offsets.ts';
export { isRetriable, KafkaConnectionError, KafkaProtocolError, RecordBatchFormatError } from './protocol-error.ts';
export { WireProducer, type ProducerOptions } from './producer.ts';
export type { DecodedRecords } from './record-batch.ts';
