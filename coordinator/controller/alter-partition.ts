/**
 * AlterPartition (KIP-497): a partition leader asks the controller to change the ISR. Validation
 * follows Kafka 3.9's controller; the checks run in this order per partition:
 *
 * Case A: unknown topic id (v2+) -> UNKNOWN_TOPIC_ID; no such partition or no state ->
 *   UNKNOWN_TOPIC_OR_PARTITION.
 * Case B: leader epoch older than the state's -> FENCED_LEADER_EPOCH.
 * Case C: leader epoch or partition epoch newer than the state's -> NOT_CONTROLLER (this
 *   controller's view is behind: another controller wrote it).
 * Case D: the requesting broker is not the leader -> NOT_LEADER_OR_FOLLOWER.
 * Case E: the request already matches the state (same leader epoch, ISR and recovery state) ->
 *   the current state, whatever its partition epoch (idempotent retries).
 * Case F: partition epoch older than the state version -> INVALID_UPDATE_VERSION.
 * Case G: RECOVERING with more than one ISR member, or RECOVERED -> RECOVERING, or an ISR
 *   without the leader or with duplicates -> INVALID_REQUEST.
 * Case H: an ISR member that is not live (dead or shutting down), not an assigned replica, or
 *   (v3) registered with another broker epoch -> INELIGIBLE_REPLICA (OPERATION_NOT_ATTEMPTED
 *   below v2).
 * Otherwise the ISR is written (leader and leader epoch unchanged, version + 1) with the state
 * version as the expected one; a conflict answers INVALID_UPDATE_VERSION.
 *
 * Every altered partition then goes to all brokers in UpdateMetadata, and a partition being
 * reassigned is checked for completion.
 */
import { ErrorCode } from '../../protocol/errors';
import type { AlterPartitionRequest } from '../../protocol/generated/alter-partition-request';
import type {
  AlterPartitionResponse,
  PartitionData as ResponsePartition,
  TopicData as ResponseTopic,
} from '../../protocol/generated/alter-partition-response';
import type { PartitionState, PartitionStateUpdate } from '../metadata-store';
import type { ControllerRuntime } from './controller-runtime';
import { TopicPartition, tpKey, tpString } from './controller-context';
import { LEADER_RECOVERED, LEADER_RECOVERING } from './leader-election';
import type { ReassignmentManager } from './reassignment';

interface Proposed {
  readonly tp: TopicPartition;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly leaderRecoveryState: number;
  readonly isr: readonly number[];
  /** v3: broker epochs of the ISR members (-1 = not checked). */
  readonly isrEpochs: readonly bigint[] | null;
}

export function alterPartitionError(errorCode: ErrorCode): AlterPartitionResponse {
  return { throttleTimeMs: 0, errorCode, topics: [] };
}

export class AlterPartitionHandler {
  constructor(
    private readonly rt: ControllerRuntime,
    private readonly reassignment: ReassignmentManager,
  ) {}

  async handle(req: AlterPartitionRequest, version: number): Promise<AlterPartitionResponse> {
    const { ctx, logger } = this.rt;
    const useIds = version >= 2;
    const registered = ctx.broker(req.brokerId);
    if (!registered || registered.brokerEpoch !== req.brokerEpoch) {
      logger.info(
        { brokerId: req.brokerId, brokerEpoch: String(req.brokerEpoch) },
        `Ignoring AlterPartition from broker ${req.brokerId}: unknown broker or stale broker epoch ${req.brokerEpoch}`,
      );
      return alterPartitionError(ErrorCode.STALE_BROKER_EPOCH);
    }

    const topics: ResponseTopic[] = [];
    const byTopic = new Map<string, ResponseTopic>();
    const responseTopic = (name: string): ResponseTopic => {
      let t = byTopic.get(name);
      if (!t) {
        t = { topicName: useIds ? '' : name, topicId: useIds ? (ctx.topic(name)?.topicId ?? ZERO_UUID) : ZERO_UUID, partitions: [] };
        byTopic.set(name, t);
        topics.push(t);
      }
      return t;
    };
    const slots = new Map<string, ResponsePartition>();
    const proposals: Proposed[] = [];
    for (const t of req.topics) {
      const name = useIds ? ctx.topicNameById(t.topicId) : t.topicName;
      if (name === undefined) {
        topics.push({
          topicName: '',
          topicId: t.topicId,
          partitions: t.partitions.map((p) => ({ ...errorPartition(p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_ID) })),
        });
        continue;
      }
      const rt = responseTopic(name);
      for (const p of t.partitions) {
        const tp = { topic: name, partition: p.partitionIndex };
        const slot = errorPartition(p.partitionIndex, ErrorCode.NONE);
        rt.partitions.push(slot);
        slots.set(tpKey(tp), slot);
        proposals.push({
          tp,
          leaderEpoch: p.leaderEpoch,
          partitionEpoch: p.partitionEpoch,
          leaderRecoveryState: p.leaderRecoveryState,
          isr: version >= 3 ? p.newIsrWithEpochs.map((b) => b.brokerId) : p.newIsr,
          isrEpochs: version >= 3 ? p.newIsrWithEpochs.map((b) => b.brokerEpoch) : null,
        });
      }
    }

    const updates: PartitionStateUpdate[] = [];
    const writing: TopicPartition[] = [];
    for (const prop of proposals) {
      const slot = slots.get(tpKey(prop.tp)) as ResponsePartition;
      const verdict = this.validate(req.brokerId, prop, version);
      if (typeof verdict === 'number') {
        slot.errorCode = verdict;
        if (verdict !== ErrorCode.NONE) continue;
        fill(slot, ctx.requirePartition(prop.tp).state as PartitionState);
        continue;
      }
      updates.push({
        topic: prop.tp.topic,
        partition: prop.tp.partition,
        state: { leader: verdict.leader, leaderEpoch: verdict.leaderEpoch, isr: [...prop.isr], controllerEpoch: ctx.epoch, leaderRecoveryState: prop.leaderRecoveryState },
        expectedVersion: verdict.version,
      });
      writing.push(prop.tp);
    }

    const written = await this.rt.writeStates(updates);
    const changed: TopicPartition[] = [];
    written.forEach((r, i) => {
      const tp = writing[i] as TopicPartition;
      const slot = slots.get(tpKey(tp)) as ResponsePartition;
      if (r.ok) {
        ctx.setState(tp, r.state);
        fill(slot, r.state);
        changed.push(tp);
        logger.debug({ partition: tpString(tp), isr: r.state.isr }, `ISR of ${tpString(tp)} is now ${r.state.isr.join(',')}`);
      } else {
        if (r.current) ctx.setState(tp, r.current);
        slot.errorCode = ErrorCode.INVALID_UPDATE_VERSION;
      }
    });

    const known = proposals.map((p) => p.tp).filter((tp) => ctx.partition(tp)?.state !== undefined);
    this.rt.batch.addUpdateMetadata(ctx.liveOrShuttingDownIds(), known);
    for (const tp of changed) await this.reassignment.maybeComplete(tp);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics };
  }

  /** An error code, NONE for "already so" (Case E), or the state to replace. */
  private validate(brokerId: number, prop: Proposed, version: number): ErrorCode | PartitionState {
    const { ctx } = this.rt;
    const entry = ctx.partition(prop.tp);
    const s = entry?.state;
    if (!entry || !s) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    if (prop.leaderEpoch < s.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
    if (prop.leaderEpoch > s.leaderEpoch || prop.partitionEpoch > s.version) return ErrorCode.NOT_CONTROLLER;
    if (brokerId !== s.leader) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    if (sameIsr(prop.isr, s.isr) && prop.leaderRecoveryState === s.leaderRecoveryState) return ErrorCode.NONE;
    if (prop.partitionEpoch < s.version) return ErrorCode.INVALID_UPDATE_VERSION;
    if (prop.leaderRecoveryState === LEADER_RECOVERING && prop.isr.length > 1) return ErrorCode.INVALID_REQUEST;
    if (s.leaderRecoveryState === LEADER_RECOVERED && prop.leaderRecoveryState === LEADER_RECOVERING) return ErrorCode.INVALID_REQUEST;
    if (!prop.isr.includes(s.leader) || new Set(prop.isr).size !== prop.isr.length) return ErrorCode.INVALID_REQUEST;
    const ineligible = prop.isr.filter((id, i) => {
      const epoch = prop.isrEpochs?.[i] ?? -1n;
      const b = ctx.broker(id);
      return !ctx.isLive(id) || !entry.replicas.replicas.includes(id) || (epoch !== -1n && b?.brokerEpoch !== epoch);
    });
    if (ineligible.length > 0) {
      this.rt.logger.info(
        { partition: tpString(prop.tp), ineligible },
        `Rejecting AlterPartition for ${tpString(prop.tp)}: ineligible replicas ${ineligible.join(',')} in the new ISR`,
      );
      return version >= 2 ? ErrorCode.INELIGIBLE_REPLICA : ErrorCode.OPERATION_NOT_ATTEMPTED;
    }
    return s;
  }
}

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

function errorPartition(partitionIndex: number, errorCode: ErrorCode): ResponsePartition {
  return { partitionIndex, errorCode, leaderId: 0, leaderEpoch: 0, isr: [], leaderRecoveryState: 0, partitionEpoch: 0 };
}

function fill(slot: ResponsePartition, s: PartitionState): void {
  slot.errorCode = ErrorCode.NONE;
  slot.leaderId = s.leader;
  slot.leaderEpoch = s.leaderEpoch;
  slot.isr = [...s.isr];
  slot.leaderRecoveryState = s.leaderRecoveryState;
  slot.partitionEpoch = s.version;
}

/** Kafka compares ISRs as lists. */
function sameIsr(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
