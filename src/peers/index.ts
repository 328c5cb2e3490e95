/**
 * Instances of one group asking each other for the partitions they own: the client that asks
 * (`fetchPartials`) and the route that answers (`partialsAnswer`, mounted by the report server).
 */
export { answerFault, completeAnswer, type PartialsProvider, type PartitionPartial, type PeerAnswer } from './peer-answer.ts';
export { fetchPartials, MAX_PEER_BODY_BYTES, type FetchPartialsOptions } from './peer-client.ts';
export { PARTIALS_PATH, parsePartitions, partialsAnswer, partialsResponse } from './partials-route.ts';
export { gatherGroup, mergeGathered, type GatherOptions, type GroupAnswer, type GroupPartition, type PartitionOwnerView } from './group-query.ts';
export { pipelinePartials, type HeldPosition } from './pipeline-partials.ts';
export { shardPartials } from './shard-partials.ts';
