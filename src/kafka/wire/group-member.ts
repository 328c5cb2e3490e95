import type { LogFn } from '../../log/logger.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BrokerAddress } from './apis/metadata.ts';
import { findCoordinator, heartbeat, joinGroup, leaveGroup, syncGroup } from './apis/group.ts';
import type { Cluster } from './cluster.ts';
import type { ApiCall } from './connection.ts';
import {
  decodeGroupPicture,
  decodeMemberUrl,
  decodeSubscription,
  encodeAssignment,
  encodeGroupPicture,
  encodeMemberData,
  encodeSubscription,
  rangeAssign,
  readAssignment,
  type Assignment,
  type PartitionOwner,
  type PartitionOwners,
} from './consumer-protocol.ts';
import { isRetriable, KafkaErrorCode, KafkaProtocolError, needsRefresh } from './protocol-error.ts';

/**
 * Why the member gives its partitions up: a rebalance or a stop (`lost: false`: it still owns
 * them and may save their state before they move), or its membership is gone (`lost: true`: the
 * session expired or the coordinator no longer knows it; another member may own them already, so
 * nothing of theirs may be written).
 */
export interface Revocation {
  readonly lost: boolean;
}

export interface GroupMemberOptions {
  readonly cluster: Cluster;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** The HTTP address this member serves, told to the whole group through its subscription. */
  readonly advertise?: string;
  /**
   * Called with the member's partitions after every completed rebalance, and with who owns every
   * partition of the group's topics (only the member's own when the leader is not StreamPulse).
   */
  readonly onAssigned: (assignment: Assignment, owners: PartitionOwners, generationId: number) => void;
  /**
   * Called before the member rejoins or leaves: its partitions may move. The member waits for it
   * (at most the rebalance timeout), so a partition's state can be written before it is released.
   */
  readonly onRevoked: (revocation: Revocation) => void | Promise<void>;
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
    const metadata = encodeSubscription(topics, encodeMemberData(this.options.advertise ?? null));
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
      const members = joined.members.map((m) => {
        const { topics: wants, userData } = decodeSubscription(m.metadata);
        return { memberId: m.memberId, topics: wants, url: decodeMemberUrl(userData) };
      });
      const wanted = [...new Set(members.flatMap((m) => m.topics))];
      await this.options.cluster.refresh(wanted);
      const counts = new Map<string, number>();
      for (const topic of wanted) counts.set(topic, (await this.options.cluster.partitions(topic)).length);
      const assigned = rangeAssign(members, counts);
      const picture = encodeGroupPicture(
        this.generationId,
        members.map((m) => ({ memberId: m.memberId, url: m.url, assignment: assigned.get(m.memberId) as Assignment })),
      );
      assignments = [...assigned].map(([memberId, assignment]) => ({ memberId, assignment: encodeAssignment(assignment, picture) }));
    }
    const synced = await this.send(syncGroup(groupId, this.generationId, this.memberId, assignments), rebalanceTimeoutMs + 5_000);
    if (synced.error !== 0) throw new KafkaProtocolError(synced.error, `SyncGroup ${groupId}`);
    const { assignment, userData } = readAssignment(synced.assignment);
    const picture = decodeGroupPicture(userData);
    const owners = picture !== null && picture.generationId === this.generationId ? picture.owners : this.ownersOf(assignment);
    this.options.onAssigned(assignment, owners, this.generationId);
  }

  /** What a member knows of the group when its leader sent no picture: its own partitions. */
  private ownersOf(assignment: Assignment): PartitionOwners {
    const self: PartitionOwner = { memberId: this.memberId, url: this.options.advertise ?? null };
    return new Map([...assignment].map(([topic, partitions]) => [topic, new Map(partitions.map((p) => [p, self]))]));
  }

  private async heartbeatUntilRebalance(): Promise<void> {
    let lastSuccess = Date.now();
    let lost = false;
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
          const expired = Date.now() - lastSuccess > this.options.sessionTimeoutMs;
          lost = expired || (error instanceof KafkaProtocolError && (error.kafkaCode === KafkaErrorCode.UnknownMemberId || error.kafkaCode === KafkaErrorCode.IllegalGeneration));
          if (!isRetriable(error) || expired) throw error;
          if (needsRefresh(error)) this.coordinator = null;
        }
      }
    } finally {
      await this.revoke({ lost });
    }
  }

  /**
   * Waits for onRevoked, at most the rebalance timeout (the group waits that long for this member
   * to join again), heartbeating meanwhile so that a slow hand-over does not outlive the session.
   */
  private async revoke(revocation: Revocation): Promise<void> {
    const { rebalanceTimeoutMs, log } = this.options;
    const ended = new AbortController();
    const revoked = Promise.resolve()
      .then(() => this.options.onRevoked(revocation))
      .then(
        () => 'done' as const,
        (error: unknown) => {
          log(`giving up partitions failed, going on: ${error instanceof Error ? error.message : String(error)}`, { level: 'error', group: this.options.groupId });
          return 'done' as const;
        },
      );
    const bound = sleep(rebalanceTimeoutMs, 'timeout' as const, { signal: ended.signal }).catch(() => 'done' as const);
    void this.keepAlive(ended.signal);
    const outcome = await Promise.race([revoked, bound]);
    ended.abort();
    if (outcome === 'timeout') log(`giving up partitions took over ${rebalanceTimeoutMs} ms, going on without waiting`, { level: 'warn', group: this.options.groupId });
  }

  /** Heartbeats until `signal` aborts; during a rebalance the answer is REBALANCE_IN_PROGRESS, which is expected. */
  private async keepAlive(signal: AbortSignal): Promise<void> {
    const { groupId, heartbeatIntervalMs, sessionTimeoutMs } = this.options;
    for (;;) {
      try {
        await sleep(heartbeatIntervalMs, undefined, { signal });
      } catch {
        return;
      }
      await this.send(heartbeat(groupId, this.generationId, this.memberId), sessionTimeoutMs).catch(() => {});
    }
  }
}
