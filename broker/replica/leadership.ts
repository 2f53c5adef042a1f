/**
 * Applies the controller's LeaderAndIsr and StopReplica requests to the local replicas
 * (Kafka's ReplicaManager.becomeLeaderOrFollower / stopReplicas): creates replicas, turns them
 * into leaders or followers, starts and stops their replica fetchers, and tells listeners (the
 * group coordinator) which partitions this broker now leads.
 *
 * Invariants:
 * - Requests are applied one at a time, in arrival order.
 * - A request from a controller older than the newest one seen is refused whole
 *   (STALE_CONTROLLER_EPOCH), as is one meant for an earlier registration of this broker
 *   (STALE_BROKER_EPOCH); a partition state not newer than the replica's is refused for that
 *   partition (STALE_CONTROLLER_EPOCH, Partition.isNewer).
 * - A follower's fetcher is removed (and its in-flight append finished) before the replica
 *   becomes leader, and a leader's appends settle before it becomes a follower: a log has one
 *   writer at a time.
 */
import { ErrorCode, errorCodeOf } from '../../protocol/errors';
import type { Clock } from '../../storage/clock';
import type { LogConfig } from '../../storage/log-config';
import type { FollowerReplica } from '../../replication/follower-replica';
import type { LeaderBroker } from '../../replication/types';
import type { Logger } from '../logger';
import type { Partition } from './partition';
import { partitionKey, type ReplicaManager } from './replica-manager';

export interface LeaderAndIsrPartition {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly isr: readonly number[];
  readonly replicas: readonly number[];
}

export interface StopReplicaPartition {
  readonly topic: string;
  readonly partition: number;
  /** -1 = any (older StopReplica versions); -2 = deletion (Kafka's EpochDuringDelete). */
  readonly leaderEpoch: number;
  readonly deletePartition: boolean;
}

/** The replica fetchers (replication/replica-fetcher-manager.ts). */
export interface FollowerFetchers {
  addFetcherForPartitions(entries: { replica: FollowerReplica; leader: LeaderBroker }[]): void;
  /** After it resolves no append or truncation for these partitions runs or will start. */
  removeFetcherForPartitions(parts: { topic: string; partition: number }[]): Promise<void>;
  shutdown(): Promise<void>;
}

export interface LeadershipListener {
  /** This broker became leader of the partition (a new leader epoch). */
  onBecomeLeader?(p: Partition): void;
  /** This broker stopped leading it (follower, stopped or deleted). */
  onResign?(topic: string, partition: number): void;
}

export interface RequestFence {
  readonly controllerId: number;
  readonly controllerEpoch: number;
  /** -1 when the sender did not say. */
  readonly brokerEpoch: bigint;
}

export class ReplicaLeadership {
  /** Newest controller epoch seen in LeaderAndIsr / StopReplica. */
  controllerEpoch = -1;
  /** This broker's current registration epoch (set by the broker after each registration). */
  brokerEpoch = -1n;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly listeners: LeadershipListener[] = [];

  constructor(
    private readonly replicas: ReplicaManager,
    private readonly fetchers: FollowerFetchers,
    private readonly logConfigFor: (topic: string) => LogConfig,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  addListener(l: LeadershipListener): void {
    this.listeners.push(l);
  }

  /** Top-level error for a request, or NONE. */
  private checkFence(f: RequestFence): ErrorCode {
    if (f.controllerEpoch < this.controllerEpoch) return ErrorCode.STALE_CONTROLLER_EPOCH;
    if (f.brokerEpoch >= 0n && this.brokerEpoch >= 0n && f.brokerEpoch < this.brokerEpoch) return ErrorCode.STALE_BROKER_EPOCH;
    this.controllerEpoch = f.controllerEpoch;
    return ErrorCode.NONE;
  }

  becomeLeaderOrFollower(fence: RequestFence, states: readonly LeaderAndIsrPartition[], liveLeaders: readonly LeaderBroker[]): Promise<{ errorCode: ErrorCode; errors: Map<string, ErrorCode> }> {
    return this.serially(async () => {
      const errors = new Map<string, ErrorCode>();
      const top = this.checkFence(fence);
      if (top !== ErrorCode.NONE) {
        this.log.warn({ controllerId: fence.controllerId, controllerEpoch: fence.controllerEpoch, brokerEpoch: String(fence.brokerEpoch) }, `ignoring LeaderAndIsr: ${ErrorCode[top]}`);
        return { errorCode: top, errors };
      }
      const leaders: [Partition, LeaderAndIsrPartition][] = [];
      const followers: [Partition, LeaderAndIsrPartition][] = [];
      for (const s of states) {
        const key = partitionKey(s.topic, s.partition);
        if (!s.replicas.includes(this.replicas.brokerId)) {
          errors.set(key, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          continue;
        }
        try {
          const p = await this.replicas.getOrCreatePartition(s.topic, s.partition, s.topicId, this.logConfigFor(s.topic));
          if (!p.isNewer(s)) {
            errors.set(key, ErrorCode.STALE_CONTROLLER_EPOCH);
            this.log.info({ tp: key, leaderEpoch: s.leaderEpoch, current: p.leaderEpoch }, 'ignoring a partition state that is not newer than the current one');
            continue;
          }
          (s.leader === this.replicas.brokerId ? leaders : followers).push([p, s]);
          errors.set(key, ErrorCode.NONE);
        } catch (e) {
          errors.set(key, errorCodeOf(e));
          this.log.error({ err: e, tp: key }, 'could not open the replica');
        }
      }
      await this.makeLeaders(leaders);
      await this.makeFollowers(followers, liveLeaders);
      return { errorCode: ErrorCode.NONE, errors };
    });
  }

  private async makeLeaders(list: readonly [Partition, LeaderAndIsrPartition][]): Promise<void> {
    if (list.length === 0) return;
    await this.fetchers.removeFetcherForPartitions(list.map(([p]) => ({ topic: p.topic, partition: p.partition })));
    const now = this.clock.now();
    for (const [p, s] of list) {
      if (p.makeLeader(s, now)) {
        this.log.info({ tp: p.key, leaderEpoch: s.leaderEpoch, isr: s.isr, logEndOffset: String(p.logEndOffset), highWatermark: String(p.highWatermark) }, `${p.key}: leader at epoch ${s.leaderEpoch}`);
        for (const l of this.listeners) l.onBecomeLeader?.(p);
      }
    }
  }

  private async makeFollowers(list: readonly [Partition, LeaderAndIsrPartition][], liveLeaders: readonly LeaderBroker[]): Promise<void> {
    if (list.length === 0) return;
    const changed: Partition[] = [];
    for (const [p, s] of list) {
      const wasLeader = p.isLeader;
      if (!p.makeFollower(s)) continue;
      changed.push(p);
      if (wasLeader) for (const l of this.listeners) l.onResign?.(p.topic, p.partition);
    }
    if (changed.length === 0) return;
    await this.fetchers.removeFetcherForPartitions(changed.map((p) => ({ topic: p.topic, partition: p.partition })));
    await Promise.all(changed.map((p) => p.settle().catch(() => undefined)));
    const entries: { replica: FollowerReplica; leader: LeaderBroker }[] = [];
    for (const p of changed) {
      const leader = liveLeaders.find((l) => l.brokerId === p.leaderId);
      if (leader) entries.push({ replica: p.asFollower, leader });
      this.log.info({ tp: p.key, leader: p.leaderId, leaderEpoch: p.leaderEpoch }, `${p.key}: follower of broker ${p.leaderId} at epoch ${p.leaderEpoch}${leader ? '' : ' (leader not live: not fetching)'}`);
    }
    this.fetchers.addFetcherForPartitions(entries);
  }

  stopReplicas(fence: RequestFence, parts: readonly StopReplicaPartition[]): Promise<{ errorCode: ErrorCode; errors: Map<string, ErrorCode> }> {
    return this.serially(async () => {
      const errors = new Map<string, ErrorCode>();
      const top = this.checkFence(fence);
      if (top !== ErrorCode.NONE) return { errorCode: top, errors };
      const stopping: StopReplicaPartition[] = [];
      for (const s of parts) {
        const p = this.replicas.getPartition(s.topic, s.partition);
        const key = partitionKey(s.topic, s.partition);
        if (p && s.leaderEpoch >= 0 && s.leaderEpoch < p.leaderEpoch) {
          errors.set(key, ErrorCode.FENCED_LEADER_EPOCH);
          continue;
        }
        errors.set(key, ErrorCode.NONE);
        stopping.push(s);
      }
      await this.fetchers.removeFetcherForPartitions(stopping.map((s) => ({ topic: s.topic, partition: s.partition })));
      for (const s of stopping) {
        const p = this.replicas.getPartition(s.topic, s.partition);
        const wasLeader = p?.isLeader ?? false;
        try {
          if (s.deletePartition) await this.replicas.removePartition(s.topic, s.partition, true);
          else p?.makeOffline();
        } catch (e) {
          errors.set(partitionKey(s.topic, s.partition), errorCodeOf(e));
          this.log.error({ err: e, tp: partitionKey(s.topic, s.partition) }, 'stopping the replica failed');
        }
        if (wasLeader) for (const l of this.listeners) l.onResign?.(s.topic, s.partition);
      }
      return { errorCode: ErrorCode.NONE, errors };
    });
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
