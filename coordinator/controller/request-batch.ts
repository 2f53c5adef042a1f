/**
 * RequestBatch: the requests one controller event sends to brokers (Kafka's
 * ControllerBrokerRequestBatch).
 *
 * Invariants:
 * - Entries name partitions and recipients only; the request bodies are built at `send()` from
 *   the context, so every request carries the partition's latest state and assignment.
 * - `send()` goes in the order LeaderAndIsr, UpdateMetadata, StopReplica, only to registered
 *   brokers, each request carrying controllerId, controllerEpoch and the recipient's broker
 *   epoch; it sends nothing once the controllership that built the batch has ended.
 * - A LeaderAndIsr entry also puts its partition into the UpdateMetadata sent to every broker.
 * - A partition of a topic being deleted is sent to brokers with leader -2 in UpdateMetadata and
 *   leader epoch -2 in StopReplica.
 * - Sends are not awaited; answers and failures are logged, and deletion answers go to
 *   `onDeletionResult`.
 */
import { ErrorCode } from '../../protocol/errors';
import type { LeaderAndIsrPartitionState, LeaderAndIsrRequest, LeaderAndIsrTopicState } from '../../protocol/generated/leader-and-isr-request';
import type { LeaderAndIsrResponse } from '../../protocol/generated/leader-and-isr-response';
import type { StopReplicaRequest, StopReplicaTopicState } from '../../protocol/generated/stop-replica-request';
import type { StopReplicaResponse } from '../../protocol/generated/stop-replica-response';
import type { UpdateMetadataBroker, UpdateMetadataRequest, UpdateMetadataTopicState } from '../../protocol/generated/update-metadata-request';
import type { BrokerRegistration } from '../metadata-store';
import { BrokerRemovedError, type ControllerChannel } from './controller-channel';
import type { ControllerLogger } from './controller-config';
import { ControllerContext, TopicPartition, tpKey, tpString } from './controller-context';
import { EPOCH_DURING_DELETE, LEADER_DURING_DELETE } from './leader-election';

/** Kafka's SecurityProtocol ids. */
const SECURITY_PROTOCOL_IDS: Readonly<Record<string, number>> = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 };

export interface DeletionResult {
  readonly tp: TopicPartition;
  readonly errorCode: ErrorCode;
}

export interface BatchDeps {
  readonly ctx: ControllerContext;
  readonly channel: ControllerChannel;
  readonly controllerId: number;
  readonly logger: ControllerLogger;
  /** False once the controllership that owns this batch ended. */
  isCurrent(): boolean;
  /** Outcome of StopReplica(deletePartition=true) per replica of a topic being deleted. */
  onDeletionResult(brokerId: number, results: DeletionResult[]): void;
}

export class RequestBatch {
  private readonly leaderAndIsr = new Map<number, Map<string, { tp: TopicPartition; isNew: boolean }>>();
  private readonly umBrokers = new Set<number>();
  private readonly umPartitions = new Map<string, TopicPartition>();
  private readonly stopReplica = new Map<number, Map<string, { tp: TopicPartition; deletePartition: boolean }>>();

  constructor(private readonly deps: BatchDeps) {}

  get isEmpty(): boolean {
    return this.leaderAndIsr.size === 0 && this.umBrokers.size === 0 && this.stopReplica.size === 0;
  }

  addLeaderAndIsr(brokerIds: readonly number[], tp: TopicPartition, isNew: boolean): void {
    for (const b of brokerIds) {
      if (b < 0) continue;
      let m = this.leaderAndIsr.get(b);
      if (!m) this.leaderAndIsr.set(b, (m = new Map()));
      const k = tpKey(tp);
      m.set(k, { tp, isNew: isNew || (m.get(k)?.isNew ?? false) });
    }
    this.addUpdateMetadata(this.deps.ctx.liveOrShuttingDownIds(), [tp]);
  }

  addUpdateMetadata(brokerIds: readonly number[], partitions: readonly TopicPartition[] = []): void {
    for (const b of brokerIds) if (b >= 0) this.umBrokers.add(b);
    for (const tp of partitions) this.umPartitions.set(tpKey(tp), tp);
  }

  addStopReplica(brokerIds: readonly number[], tp: TopicPartition, deletePartition: boolean): void {
    for (const b of brokerIds) {
      if (b < 0) continue;
      let m = this.stopReplica.get(b);
      if (!m) this.stopReplica.set(b, (m = new Map()));
      const k = tpKey(tp);
      m.set(k, { tp, deletePartition: deletePartition || (m.get(k)?.deletePartition ?? false) });
    }
  }

  clear(): void {
    this.leaderAndIsr.clear();
    this.umBrokers.clear();
    this.umPartitions.clear();
    this.stopReplica.clear();
  }

  send(): void {
    if (!this.deps.isCurrent()) {
      this.clear();
      return;
    }
    try {
      this.sendLeaderAndIsr();
      this.sendUpdateMetadata();
      this.sendStopReplica();
    } finally {
      this.clear();
    }
  }

  private sendLeaderAndIsr(): void {
    const { ctx, channel, logger } = this.deps;
    for (const [brokerId, entries] of this.leaderAndIsr) {
      const broker = ctx.broker(brokerId);
      if (!broker) continue;
      const topics = new Map<string, LeaderAndIsrTopicState>();
      const leaders = new Set<number>();
      let becomeLeader = 0;
      for (const { tp, isNew } of entries.values()) {
        const p = ctx.partition(tp);
        const topic = ctx.topic(tp.topic);
        if (!p?.state || !topic) continue;
        const s = p.state;
        let t = topics.get(tp.topic);
        if (!t) topics.set(tp.topic, (t = { topicName: tp.topic, topicId: topic.topicId, partitionStates: [] }));
        const ps: LeaderAndIsrPartitionState = {
          topicName: tp.topic,
          partitionIndex: tp.partition,
          controllerEpoch: s.controllerEpoch,
          leader: s.leader,
          leaderEpoch: s.leaderEpoch,
          isr: [...s.isr],
          partitionEpoch: s.version,
          replicas: [...p.replicas.replicas],
          addingReplicas: [...p.replicas.adding],
          removingReplicas: [...p.replicas.removing],
          isNew,
          leaderRecoveryState: s.leaderRecoveryState,
        };
        t.partitionStates.push(ps);
        leaders.add(s.leader);
        if (s.leader === brokerId) becomeLeader++;
      }
      const count = [...topics.values()].reduce((n, t) => n + t.partitionStates.length, 0);
      if (count === 0) continue;
      const req: LeaderAndIsrRequest = {
        controllerId: this.deps.controllerId,
        isKRaftController: false,
        controllerEpoch: ctx.epoch,
        brokerEpoch: broker.brokerEpoch,
        type: 0,
        ungroupedPartitionStates: [],
        topicStates: [...topics.values()],
        liveLeaders: ctx
          .liveOrShuttingDownBrokers()
          .filter((b) => leaders.has(b.brokerId))
          .map((b) => ({ brokerId: b.brokerId, hostName: firstEndpoint(b).host, port: firstEndpoint(b).port })),
      };
      logger.info(
        { brokerId, becomeLeader, becomeFollower: count - becomeLeader },
        `Sending LeaderAndIsr to broker ${brokerId} (${becomeLeader} become-leader, ${count - becomeLeader} become-follower)`,
      );
      channel.sendLeaderAndIsr(brokerId, req).then(
        (resp) => this.logLeaderAndIsrErrors(brokerId, resp),
        (e: unknown) => this.logFailedSend('LeaderAndIsr', brokerId, e),
      );
    }
  }

  private sendUpdateMetadata(): void {
    const { ctx, channel, logger } = this.deps;
    if (this.umBrokers.size === 0) return;
    const topics = new Map<string, UpdateMetadataTopicState>();
    for (const tp of this.umPartitions.values()) {
      const p = ctx.partition(tp);
      const topic = ctx.topic(tp.topic);
      if (!p?.state || !topic) continue;
      const s = p.state;
      let t = topics.get(tp.topic);
      if (!t) topics.set(tp.topic, (t = { topicName: tp.topic, topicId: topic.topicId, partitionStates: [] }));
      t.partitionStates.push({
        topicName: tp.topic,
        partitionIndex: tp.partition,
        controllerEpoch: s.controllerEpoch,
        leader: ctx.isQueuedForDeletion(tp.topic) ? LEADER_DURING_DELETE : s.leader,
        leaderEpoch: s.leaderEpoch,
        isr: [...s.isr],
        zkVersion: s.version,
        replicas: [...p.replicas.replicas],
        offlineReplicas: p.replicas.replicas.filter((r) => !ctx.isLive(r)),
      });
    }
    const liveBrokers: UpdateMetadataBroker[] = ctx.liveOrShuttingDownBrokers().map((b) => ({
      id: b.brokerId,
      v0Host: '',
      v0Port: 0,
      endpoints: b.endpoints.map((e) => ({
        port: e.port,
        host: e.host,
        listener: e.listenerName,
        securityProtocol: SECURITY_PROTOCOL_IDS[e.securityProtocol] ?? 0,
      })),
      rack: b.rack,
    }));
    const topicStates = [...topics.values()];
    const recipients = ctx.liveOrShuttingDownBrokers().filter((b) => this.umBrokers.has(b.brokerId));
    logger.info(
      { brokers: recipients.map((b) => b.brokerId), partitions: this.umPartitions.size },
      `Sending UpdateMetadata to brokers ${recipients.map((b) => b.brokerId).join(',')} for ${this.umPartitions.size} partitions`,
    );
    for (const broker of recipients) {
      const brokerId = broker.brokerId;
      const req: UpdateMetadataRequest = {
        controllerId: this.deps.controllerId,
        isKRaftController: false,
        type: 0,
        controllerEpoch: ctx.epoch,
        brokerEpoch: broker.brokerEpoch,
        ungroupedPartitionStates: [],
        topicStates,
        liveBrokers,
      };
      channel.sendUpdateMetadata(brokerId, req).then(
        (resp) => {
          if (resp.errorCode !== ErrorCode.NONE) logger.warn({ brokerId, errorCode: resp.errorCode }, `UpdateMetadata to broker ${brokerId} answered error ${resp.errorCode}`);
        },
        (e: unknown) => this.logFailedSend('UpdateMetadata', brokerId, e),
      );
    }
  }

  private sendStopReplica(): void {
    const { ctx, channel, logger } = this.deps;
    for (const [brokerId, entries] of this.stopReplica) {
      const broker = ctx.broker(brokerId);
      if (!broker) continue;
      const topics = new Map<string, StopReplicaTopicState>();
      const deleting: TopicPartition[] = [];
      for (const { tp, deletePartition } of entries.values()) {
        let t = topics.get(tp.topic);
        if (!t) topics.set(tp.topic, (t = { topicName: tp.topic, partitionStates: [] }));
        const queued = ctx.isQueuedForDeletion(tp.topic);
        const leaderEpoch = queued ? EPOCH_DURING_DELETE : (ctx.partition(tp)?.state?.leaderEpoch ?? -1);
        t.partitionStates.push({ partitionIndex: tp.partition, leaderEpoch, deletePartition });
        if (queued && deletePartition) deleting.push(tp);
      }
      const req: StopReplicaRequest = {
        controllerId: this.deps.controllerId,
        isKRaftController: false,
        controllerEpoch: ctx.epoch,
        brokerEpoch: broker.brokerEpoch,
        deletePartitions: false,
        ungroupedPartitions: [],
        topics: [],
        topicStates: [...topics.values()],
      };
      logger.info({ brokerId, partitions: entries.size }, `Sending StopReplica to broker ${brokerId} for ${entries.size} partitions`);
      channel.sendStopReplica(brokerId, req).then(
        (resp) => this.onStopReplicaAnswer(brokerId, resp, deleting),
        (e: unknown) => {
          this.logFailedSend('StopReplica', brokerId, e);
          // A removed broker's replicas are handled by its removal (dead, restarted or resigned).
          if (deleting.length > 0 && !(e instanceof BrokerRemovedError)) {
            this.deps.onDeletionResult(brokerId, deleting.map((tp) => ({ tp, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR })));
          }
        },
      );
    }
  }

  private onStopReplicaAnswer(brokerId: number, resp: StopReplicaResponse, deleting: TopicPartition[]): void {
    const errors = new Map<string, number>();
    for (const pe of resp.partitionErrors) {
      errors.set(tpKey({ topic: pe.topicName, partition: pe.partitionIndex }), pe.errorCode);
      if (pe.errorCode !== ErrorCode.NONE) {
        this.deps.logger.warn(
          { brokerId, topic: pe.topicName, partition: pe.partitionIndex, errorCode: pe.errorCode },
          `StopReplica for ${pe.topicName}-${pe.partitionIndex} on broker ${brokerId} answered error ${pe.errorCode}`,
        );
      }
    }
    if (resp.errorCode !== ErrorCode.NONE) {
      this.deps.logger.warn({ brokerId, errorCode: resp.errorCode }, `StopReplica to broker ${brokerId} answered error ${resp.errorCode}`);
    }
    if (deleting.length === 0) return;
    // A partition the answer does not list counts as stopped unless the whole request failed.
    this.deps.onDeletionResult(
      brokerId,
      deleting.map((tp) => ({ tp, errorCode: resp.errorCode !== ErrorCode.NONE ? resp.errorCode : (errors.get(tpKey(tp)) ?? ErrorCode.NONE) })),
    );
  }

  private logLeaderAndIsrErrors(brokerId: number, resp: LeaderAndIsrResponse): void {
    const { ctx, logger } = this.deps;
    if (resp.errorCode !== ErrorCode.NONE) {
      logger.warn({ brokerId, errorCode: resp.errorCode }, `LeaderAndIsr to broker ${brokerId} answered error ${resp.errorCode}`);
    }
    for (const t of resp.topics) {
      for (const pe of t.partitionErrors) {
        if (pe.errorCode === ErrorCode.NONE) continue;
        const tp = { topic: ctx.topicNameById(t.topicId) ?? t.topicId, partition: pe.partitionIndex };
        logger.warn({ brokerId, partition: tpString(tp), errorCode: pe.errorCode }, `LeaderAndIsr for ${tpString(tp)} on broker ${brokerId} answered error ${pe.errorCode}`);
      }
    }
  }

  private logFailedSend(api: string, brokerId: number, e: unknown): void {
    this.deps.logger.info({ brokerId, err: String(e) }, `${api} to broker ${brokerId} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The endpoint LeaderAndIsr names for a leader: the first registered one (the inter-broker listener by convention). */
function firstEndpoint(b: BrokerRegistration): { host: string; port: number } {
  const e = b.endpoints[0];
  return e ? { host: e.host, port: e.port } : { host: '', port: -1 };
}
