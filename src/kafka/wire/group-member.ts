import type { LogFn } from '../../log/logger.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BrokerAddress } from './apis/metadata.ts';
import { findCoordinator, heartbeat, joinGroup, leaveGroup, syncGroup } from './apis/group.ts';
import type { Cluster } from './cluster.ts';
import type { ApiCall } from './connection.ts';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, rangeAssign, type Assignment } from './consumer-protocol.ts';
import { isRetriable, KafkaErrorCode, KafkaProtocolError, needsRefresh } from './protocol-error.ts';

export interface GroupMemberOptions {
  readonly cluster: Cluster;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Called with the member's partitions after every completed rebalance. */
  readonly onAssigned: (assignment: Assignment) => void;
  /** Called before the member rejoins: its partitions may move. */
  readonly onRevoked: () => void;
  /** An error that joining again cannot mend (authorization, an invalid session timeout): the member stops. */
  readonly onFatal: (error: Error) => void;
  readonly log: LogFn;
}

/**
 * A member of a classic (eager) consumer group: finds the coordinator, joins, assigns partitions
 * with the range assignor when it is the leader, syncs, and heartbeats; a rebalance revokes every
 * partition and joins again. Offsets are not committed: StreamPulse keeps them with its state.
 */
export class GroupMember {
  private memberId = '';
  private generationId = -1;
  private coordinator: BrokerAddress | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeHeartbeat: (() => void) | null = null;

  constructor(private readonly options: GroupMemberOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Leaves the group so that its partitions move at once rather than after the session timeout. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeHeartbeat?.();
    await this.loop?.catch(() => {});
    if (this.memberId !== '' && this.coordinator !== null) {
      await this.send(leaveGroup(this.options.groupId, this.memberId)).catch(() => {});
    }
  }

  private async run(): Promise<void> {
    let delay = 100;
    while (this.running) {
      try {
        await this.joinAndSync();
        delay = 100;
        await this.heartbeatUntilRebalance();
      } catch (error) {
        if (!this.running) return;
        if (error instanceof KafkaProtocolError && (error.kafkaCode === KafkaErrorCode.UnknownMemberId || error.kafkaCode === KafkaErrorCode.IllegalGeneration)) {
          this.memberId = '';
        } else if (!isRetriable(error) && !(error instanceof KafkaProtocolError && error.kafkaCode === KafkaErrorCode.RebalanceInProgress)) {
          this.running = false;
          this.options.onFatal(error as Error);
          return;
        }
        if (needsRefresh(error)) this.coordinator = null;
        await sleep(delay);
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  private async send<T>(call: ApiCall<T>, timeoutMs?: number): Promise<T> {
    if (this.coordinator === null) this.coordinator = await this.options.cluster.sendToAny(findCoordinator(this.options.groupId));
    const { host, port } = this.coordinator;
    return (await this.options.cluster.connect(host, port)).send(call, timeoutMs);
  }

  private async joinAndSync(): Promise<void> {
    const { groupId, topics, sessionTimeoutMs, rebalanceTimeoutMs } = this.options;
    const metadata = encodeSubscription(topics);
    const join = () => this.send(joinGroup({ groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId: this.memberId, protocols: [{ name: 'range', metadata }] }), rebalanceTimeoutMs + 5_000);
    let joined = await join();
    if (joined.error === KafkaErrorCode.MemberIdRequired) {
      this.memberId = joined.memberId;
      joined = await join();
    }
    if (joined.error !== 0) throw new KafkaProtocolError(joined.error, `JoinGroup ${groupId}`);
    this.memberId = joined.memberId;
    this.generationId = joined.generationId;
    let assignments: { memberId: string; assignment: Buffer }[] = [];
    if (joined.leader === joined.memberId) {
      const members = joined.members.map((m) => ({ memberId: m.memberId, topics: decodeSubscription(m.metadata).topics }));
      const wanted = [...new Set(members.flatMap((m) => m.topics))];
      await this.options.cluster.refresh(wanted);
      const counts = new Map<string, number>();
      for (const topic of wanted) counts.set(topic, (await this.options.cluster.partitions(topic)).length);
      assignments = [...rangeAssign(members, counts)].map(([memberId, assignment]) => ({ memberId, assignment: encodeAssignment(assignment) }));
    }
    const synced = await this.send(syncGroup(groupId, this.generationId, this.memberId, assignments), rebalanceTimeoutMs + 5_000);
    if (synced.error !== 0) throw new KafkaProtocolError(synced.error, `SyncGroup ${groupId}`);
    this.options.onAssigned(decodeAssignment(synced.assignment));
  }

  private async heartbeatUntilRebalance(): Promise<void> {
    let lastSuccess = Date.now();
    try {
      while (this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.heartbeatIntervalMs);
          this.wakeHeartbeat = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (!this.running) return;
        try {
          const error = await this.send(heartbeat(this.options.groupId, this.generationId, this.memberId), this.options.sessionTimeoutMs);
          if (error !== 0) throw new KafkaProtocolError(error, `Heartbeat ${this.options.groupId}`);
          lastSuccess = Date.now();
        } catch (error) {
          // a broken connection is retried until the session would have expired anyway
          if (!isRetriable(error) || Date.now() - lastSuccess > this.options.sessionTimeoutMs) throw error;
          if (needsRefresh(error)) this.coordinator = null;
        }
      }
    } finally {
      this.options.onRevoked();
    }
  }
}
