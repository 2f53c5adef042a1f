/**
 * ReassignmentManager: partition reassignments (KIP-455; Kafka's onPartitionReassignment).
 * RS = full replica set, ORS = original, TRS = target, AR = TRS - ORS, RR = ORS - TRS.
 *
 * Phase U (every trigger): store RS = TRS + ORS with AR and RR, then the context; replicas of a
 *   replaced reassignment that are not in the new RS leave the ISR and are deleted.
 * Phase A (TRS not all in the ISR): bump the leader epoch and send LeaderAndIsr to ORS and AR
 *   (isNew for AR); the adding replicas start fetching. AlterPartition ISR expansions re-check.
 * Phase B (TRS within the ISR): RS = TRS in the context; one state write elects a new leader
 *   among TRS if the current one is not in TRS (or just bumps the epoch) and drops
 *   RR from the ISR; LeaderAndIsr to TRS, StopReplica(delete) to RR; then the store's assignment
 *   becomes TRS (last, since it is the only durable copy of ORS until then).
 *
 * Invariants:
 * - A partition is in ctx.reassigning from phase U until phase B stored the final assignment.
 * - A topic with a partition being reassigned is not deleted (halted until phase B ends).
 * - Cancelling (replicas = null) reassigns to ORS, which removes AR.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { ControllerMovedError } from '../metadata-store';
import type { ControllerRuntime } from './controller-runtime';
import { TopicPartition, tpKey, tpString } from './controller-context';
import { electLeader } from './leader-election';
import { PartitionLifecycle } from './lifecycle';
import type { PartitionStateMachine } from './partition-state-machine';
import { ReplicaSet } from './replica-set';
import type { TopicDeletionManager } from './topic-deletion';

export interface ReassignmentRequest {
  readonly topic: string;
  readonly partition: number;
  /** null cancels the partition's reassignment. */
  readonly replicas: readonly number[] | null;
}

export interface PartitionResult {
  topic: string;
  partition: number;
  errorCode: ErrorCode;
  errorMessage: string | null;
}

export interface OngoingReassignment {
  topic: string;
  partition: number;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

const NO_SUCH_PARTITION = 'The partition does not exist.';

export class ReassignmentManager {
  constructor(
    private readonly rt: ControllerRuntime,
    private readonly psm: PartitionStateMachine,
    private readonly deletion: TopicDeletionManager,
  ) {}

  async alter(reqs: readonly ReassignmentRequest[]): Promise<PartitionResult[]> {
    const { ctx, logger } = this.rt;
    const out: PartitionResult[] = [];
    for (const req of reqs) {
      const tp = { topic: req.topic, partition: req.partition };
      const result = (errorCode: ErrorCode, errorMessage: string | null = null): void => {
        out.push({ topic: req.topic, partition: req.partition, errorCode, errorMessage });
      };
      const invalid = req.replicas === null ? null : this.invalidReplicaList(req.replicas);
      if (invalid) {
        result(ErrorCode.INVALID_REPLICA_ASSIGNMENT, invalid);
        continue;
      }
      const entry = ctx.partition(tp);
      if (!entry || ctx.isQueuedForDeletion(tp.topic)) {
        result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, NO_SUCH_PARTITION);
        continue;
      }
      const current = entry.replicas;
      if (req.replicas === null && !current.isBeingReassigned) {
        result(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
        continue;
      }
      const next = current.reassignTo(req.replicas ?? current.origin);
      const deadAdding = next.adding.filter((r) => !ctx.isLive(r));
      if (deadAdding.length > 0) {
        const live = ctx.liveOrShuttingDownIds().filter((b) => ctx.isLive(b));
        result(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `Replica assignment has brokers that are not alive. Replica list: ${next.adding.join(',')}, live broker list: ${live.join(',')}`,
        );
        continue;
      }
      try {
        await this.onPartitionReassignment(tp, next);
        result(ErrorCode.NONE);
      } catch (e) {
        if (e instanceof ControllerMovedError) throw e;
        logger.error({ partition: tpString(tp), err: String(e) }, `Reassignment of ${tpString(tp)} failed`);
        result(ErrorCode.UNKNOWN_SERVER_ERROR);
      }
    }
    return out;
  }

  /** The reassignments in progress among `partitions` (all of them for null). */
  list(partitions: readonly { topic: string; partitions: readonly number[] }[] | null): OngoingReassignment[] {
    const { ctx } = this.rt;
    const tps: TopicPartition[] =
      partitions === null
        ? ctx.allPartitions().filter((tp) => ctx.reassigning.has(tpKey(tp)))
        : partitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    const out: OngoingReassignment[] = [];
    for (const tp of tps) {
      const r = ctx.partition(tp)?.replicas;
      if (!r?.isBeingReassigned) continue;
      out.push({ ...tp, replicas: [...r.replicas], addingReplicas: [...r.adding], removingReplicas: [...r.removing] });
    }
    return out;
  }

  /** Resumes the stored reassignments that `shouldResume` selects (failover, broker startup). */
  async resume(shouldResume: (tp: TopicPartition, replicas: ReplicaSet) => boolean): Promise<void> {
    const { ctx, logger } = this.rt;
    for (const tp of ctx.allPartitions()) {
      const entry = ctx.requirePartition(tp);
      if (!ctx.reassigning.has(tpKey(tp)) || !shouldResume(tp, entry.replicas)) continue;
      try {
        await this.onPartitionReassignment(tp, entry.replicas);
      } catch (e) {
        if (e instanceof ControllerMovedError) throw e;
        logger.error({ partition: tpString(tp), err: String(e) }, `Resuming the reassignment of ${tpString(tp)} failed`);
      }
    }
  }

  /** After an ISR change: completes the partition's reassignment once TRS is in the ISR. */
  async maybeComplete(tp: TopicPartition): Promise<void> {
    const entry = this.rt.ctx.partition(tp);
    if (!entry || !this.rt.ctx.reassigning.has(tpKey(tp)) || !this.isComplete(tp)) return;
    this.rt.logger.info({ partition: tpString(tp) }, `Target replicas of ${tpString(tp)} joined the ISR`);
    await this.onPartitionReassignment(tp, entry.replicas);
  }

  private invalidReplicaList(replicas: readonly number[]): string | null {
    if (replicas.length === 0) return 'Empty replica list specified in partition reassignment.';
    if (new Set(replicas).size !== replicas.length) return `Duplicate replica ids in partition reassignment replica list: ${replicas.join(',')}`;
    if (replicas.some((r) => r < 0)) return `Invalid broker id in replica list: ${replicas.join(',')}`;
    return null;
  }

  private isComplete(tp: TopicPartition): boolean {
    const entry = this.rt.ctx.requirePartition(tp);
    if (!entry.replicas.isBeingReassigned) return true;
    const isr = entry.state?.isr ?? [];
    return entry.replicas.target.every((r) => isr.includes(r));
  }

  private async onPartitionReassignment(tp: TopicPartition, next: ReplicaSet): Promise<void> {
    this.deletion.markIneligible([tp.topic]);
    await this.updateCurrent(tp, next);
    if (this.isComplete(tp)) await this.complete(tp);
    else await this.startAdding(tp);
  }

  /** Phase U. */
  private async updateCurrent(tp: TopicPartition, next: ReplicaSet): Promise<void> {
    const { ctx } = this.rt;
    const entry = ctx.requirePartition(tp);
    const current = entry.replicas;
    if (!current.equals(next)) {
      entry.replicas = next;
      try {
        await this.rt.writeAssignment(tp.topic);
      } catch (e) {
        entry.replicas = current;
        throw e;
      }
      const unneeded = current.replicas.filter((r) => !next.replicas.includes(r));
      for (const r of unneeded) {
        await this.psm.removeFromIsr([tp], r);
        this.rt.batch.addStopReplica([r], tp, true);
      }
    }
    ctx.reassigning.add(tpKey(tp));
  }

  /** Phase A. */
  private async startAdding(tp: TopicPartition): Promise<void> {
    const { ctx } = this.rt;
    const r = await this.psm.updateStates([tp], (_tp, _e, s) => ({
      kind: 'write',
      fields: { leader: s.leader, leaderEpoch: s.leaderEpoch + 1, isr: [...s.isr], controllerEpoch: ctx.epoch, leaderRecoveryState: s.leaderRecoveryState },
    }));
    const outcome = r.get(tpKey(tp));
    if (!outcome?.ok) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, outcome?.reason ?? 'no partition state');
    const replicas = ctx.requirePartition(tp).replicas;
    this.rt.batch.addLeaderAndIsr(replicas.origin, tp, false);
    this.rt.batch.addLeaderAndIsr(replicas.adding, tp, true);
    this.rt.logger.info(
      { partition: tpString(tp), replicas: replicas.replicas, adding: replicas.adding, removing: replicas.removing },
      `Reassigning ${tpString(tp)}: waiting for ${replicas.adding.join(',') || 'no replicas'} to join the ISR`,
    );
  }

  /** Phase B. */
  private async complete(tp: TopicPartition): Promise<void> {
    const { ctx, logger } = this.rt;
    const entry = ctx.requirePartition(tp);
    const reassigning = entry.replicas;
    const target = reassigning.target;
    const removing = reassigning.removing;
    entry.replicas = ReplicaSet.of(target);
    const r = await this.psm.updateStates([tp], (_tp, e, s) => {
      let leader = s.leader;
      // A dead leader is -1 in the context (never a target replica), so this covers it too.
      if (!target.includes(leader)) {
        const elected = electLeader({ kind: 'reassign' }, {
          replicas: e.replicas,
          state: s,
          isLive: (id) => ctx.isLive(id),
          isLiveOrShuttingDown: (id) => ctx.isLiveOrShuttingDown(id),
          shuttingDown: ctx.shuttingDown,
          uncleanAllowed: false,
        });
        if (!elected) return { kind: 'fail', reason: `no live target replica of ${tpString(tp)} is in the ISR` };
        leader = elected.leader;
      }
      return {
        kind: 'write',
        fields: {
          leader,
          leaderEpoch: s.leaderEpoch + 1,
          isr: s.isr.filter((id) => !removing.includes(id)),
          controllerEpoch: ctx.epoch,
          leaderRecoveryState: s.leaderRecoveryState,
        },
      };
    });
    const outcome = r.get(tpKey(tp));
    if (!outcome?.ok) {
      // Stays in progress; retried when a target broker starts.
      entry.replicas = reassigning;
      logger.warn({ partition: tpString(tp) }, `Cannot complete the reassignment of ${tpString(tp)}: ${outcome?.reason ?? 'no partition state'}`);
      return;
    }
    ctx.moveTo(tp, PartitionLifecycle.Online);
    this.rt.batch.addLeaderAndIsr(target, tp, false);
    for (const replica of removing) this.rt.batch.addStopReplica([replica], tp, true);
    await this.rt.writeAssignment(tp.topic);
    ctx.reassigning.delete(tpKey(tp));
    logger.info(
      { partition: tpString(tp), replicas: target, leader: outcome.state.leader },
      `Reassignment of ${tpString(tp)} completed: replicas ${target.join(',')}, leader ${outcome.state.leader}`,
    );
    if (!ctx.partitionsOf(tp.topic).some((p) => ctx.reassigning.has(tpKey(p)))) await this.deletion.resumeForTopics([tp.topic]);
  }
}
