import type { Pipeline } from '../pipeline.ts';
import type { PartialsProvider, PartitionPartial, PeerAnswer } from './peer-answer.ts';

/** Where a partition this instance holds stands: the next offset folded and the partition's end. */
export interface HeldPosition {
  readonly offset: number;
  readonly end: number;
}

/**
 * What an instance answers its peers: its pipeline's partials of the partitions it holds (owned
 * and restored, as `held` says at the moment of the request), each with its position. Built
 * synchronously between batches, so each partial is one consistent point of its partition.
 */
export function pipelinePartials(pipeline: Pipeline, held: () => ReadonlyMap<number, HeldPosition>): PartialsProvider {
  return {
    partials(partitions: readonly number[]): PeerAnswer {
      const now = held();
      const given: Record<string, PartitionPartial> = {};
      const missing: number[] = [];
      for (const partition of partitions) {
        const position = now.get(partition);
        if (position === undefined) {
          missing.push(partition);
          continue;
        }
        given[String(partition)] = { state: pipeline.exportPartition(String(partition)), offset: position.offset, end: position.end, lag: Math.max(0, position.end - position.offset) };
      }
      return { partitions: given, missing };
    },
  };
}
