import { setTimeout as sleep } from 'node:timers/promises';
import { listOffsets, LATEST, type OffsetResult } from './apis/list-offsets.ts';
import type { Cluster } from './cluster.ts';
import { isRetriable, KafkaProtocolError, needsRefresh } from './protocol-error.ts';

/**
 * The offset at `timestamp` (LATEST: the end, EARLIEST: the log start) of each partition, asked of
 * each partition's leader; retriable errors (a leader moving, a broker starting) are retried.
 */
export function partitionOffsets(cluster: Cluster, topic: string, partitions: readonly number[], timestamp: number, timeoutMs = 30_000): Promise<OffsetResult[]> {
  return retrying(cluster, topic, timeoutMs, async () => {
    if (partitions.some((p) => cluster.leaderOf(topic, p) < 0)) await cluster.refresh([topic]);
      const byLeader = new Map<number, number[]>();
      for (const p of partitions) {
        const leader = cluster.leaderOf(topic, p);
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
      }
    const answers = await Promise.all([...byLeader].map(([leader, list]) => cluster.send(leader, listOffsets(topic, list, timestamp))));
    const results = answers.flat().sort((a, b) => a.partition - b.partition);
    const failed = results.find((r) => r.error !== 0);
    if (failed !== undefined) throw new KafkaProtocolError(failed.error, `offsets of ${topic}/${failed.partition}`);
    return results;
  });
}

/** `attempt` again after a retriable error (a leader moving, a broker restarting), for up to `timeoutMs`. */
async function retrying<T>(cluster: Cluster, topic: string, timeoutMs: number, attempt: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRetriable(error) || Date.now() - started > timeoutMs) throw error;
      if (needsRefresh(error)) await cluster.refresh([topic]).catch(() => {});
      await sleep(delay);
    }
  }
}

/** partition → end offset, for every partition of `topic`; the partition list is retried like the offsets. */
export async function endOffsets(cluster: Cluster, topic: string, timeoutMs = 30_000): Promise<Map<number, number>> {
  const partitions = await retrying(cluster, topic, timeoutMs, () => cluster.partitions(topic));
  const results = await partitionOffsets(cluster, topic, partitions, LATEST, timeoutMs);
  return new Map(results.map((r) => [r.partition, r.offset]));
}
