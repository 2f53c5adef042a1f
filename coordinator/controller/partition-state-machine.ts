/**
 * PartitionStateMachine: every change of a partition's leader/ISR state goes through here
 * (Kafka's ZkPartitionStateMachine plus the ISR part of its ReplicaStateMachine).
 *
 * Invariants:
 * - Writes are conditional on the state version the context holds; a conflict stores the
 *   current state in the context and recomputes the change, at most MAX_WRITE_ATTEMPTS times.
 * - A leader change bumps the leader epoch; an ISR change that keeps the leader keeps it
 *   (reassignment phases bump it too, as Kafka does, so that replicas take the new replica set).
 * - The store refuses writes with a stale fence, so a state written by a newer controller is
 *   never overwritten.
 * - Each successful change queues LeaderAndIsr for the partition's replicas in the batch (which
 *   adds the partition to the UpdateMetadata for every broker).
 */
import type { PartitionState, PartitionStateFields, PartitionStateUpdate } from '../metadata-store';
import type { ControllerRuntime } from './controller-runtime';
import { ControllerContext, PartitionEntry, TopicPartition, tpKey, tpString } from './controller-context';
import { electLeader, ElectionStrategy, LEADER_RECOVERED, NO_LEADER, strategyName } from './leader-election';
import { PartitionLifecycle } from './lifecycle';

export const MAX_WRITE_ATTEMPTS = 5;

export type StateChange =
  | { readonly kind: 'write'; readonly fields: PartitionStateFields }
  | { readonly kind: 'skip' }
  | { readonly kind: 'fail'; readonly reason: string };

export type StateOutcome =
  | { readonly ok: true; readonly state: PartitionState; readonly changed: boolean }
  | { readonly ok: false; readonly reason: string };

/** Lifecycle of a partition with a stored state: Online when its leader is registered. */
export function lifecycleOfStored(ctx: ControllerContext, entry: PartitionEntry): PartitionLifecycle {
  if (!entry.state) return PartitionLifecycle.New;
  return ctx.isLiveOrShuttingDown(entry.state.leader) ? PartitionLifecycle.Online : PartitionLifecycle.Offline;
}

export class PartitionStateMachine {
  constructor(private readonly rt: ControllerRuntime) {}

  /**
   * Conditional update loop: `compute` derives the new fields from the current state; conflicts
   * re-read (the store returns the current state) and recompute.
   */
  async updateStates(
    tps: readonly TopicPartition[],
    compute: (tp: TopicPartition, entry: PartitionEntry, current: PartitionState) => StateChange,
  ): Promise<Map<string, StateOutcome>> {
    const { ctx } = this.rt;
    const results = new Map<string, StateOutcome>();
    let remaining = [...tps];
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS && remaining.length > 0; attempt++) {
      const updates: PartitionStateUpdate[] = [];
      const writing: TopicPartition[] = [];
      for (const tp of remaining) {
        const entry = ctx.partition(tp);
        const s = entry?.state;
        if (!entry || !s) {
          results.set(tpKey(tp), { ok: false, reason: `partition ${tpString(tp)} has no leader and ISR state` });
          continue;
        }
        const c = compute(tp, entry, s);
        if (c.kind === 'skip') results.set(tpKey(tp), { ok: true, state: s, changed: false });
        else if (c.kind === 'fail') results.set(tpKey(tp), { ok: false, reason: c.reason });
        else {
          updates.push({ topic: tp.topic, partition: tp.partition, state: c.fields, expectedVersion: s.version });
          writing.push(tp);
        }
      }
      const written = await this.rt.writeStates(updates);
      remaining = [];
      written.forEach((r, i) => {
        const tp = writing[i] as TopicPartition;
        if (r.ok) {
          ctx.setState(tp, r.state);
          results.set(tpKey(tp), { ok: true, state: r.state, changed: true });
        } else if (r.current) {
          ctx.setState(tp, r.current);
          remaining.push(tp);
        } else {
          results.set(tpKey(tp), { ok: false, reason: `partition state of ${tpString(tp)} is gone` });
        }
      });
    }
    for (const tp of remaining) results.set(tpKey(tp), { ok: false, reason: `conflicting updates of ${tpString(tp)}` });
    return results;
  }

  /** New -> Online: creates the first state (leader = first live replica, ISR = live replicas, epoch 0). */
  async initializeNew(tps: readonly TopicPartition[]): Promise<void> {
    const { ctx, logger } = this.rt;
    const updates: PartitionStateUpdate[] = [];
    const writing: TopicPartition[] = [];
    for (const tp of tps) {
      const entry = ctx.requirePartition(tp);
      const live = entry.replicas.replicas.filter((r) => ctx.isLive(r));
      const leader = live[0];
      if (leader === undefined) {
        logger.warn({ partition: tpString(tp) }, `No assigned replica of new partition ${tpString(tp)} is alive; it stays offline`);
        continue;
      }
      updates.push({
        topic: tp.topic,
        partition: tp.partition,
        state: { leader, leaderEpoch: 0, isr: live, controllerEpoch: ctx.epoch, leaderRecoveryState: LEADER_RECOVERED },
        expectedVersion: -1,
      });
      writing.push(tp);
    }
    const written = await this.rt.writeStates(updates);
    written.forEach((r, i) => {
      const tp = writing[i] as TopicPartition;
      const entry = ctx.requirePartition(tp);
      if (r.ok) {
        ctx.setState(tp, r.state);
        ctx.moveTo(tp, PartitionLifecycle.Online);
        this.rt.batch.addLeaderAndIsr(r.state.isr, tp, true);
        logger.info({ partition: tpString(tp), leader: r.state.leader, isr: r.state.isr }, `Initialized ${tpString(tp)} with leader ${r.state.leader}`);
      } else if (r.current) {
        // Someone created it first: adopt the stored state.
        ctx.setState(tp, r.current);
        ctx.moveTo(tp, lifecycleOfStored(ctx, entry));
        this.rt.batch.addLeaderAndIsr(entry.replicas.replicas, tp, false);
      }
    });
  }

  /** Elects leaders with `strategy`; successful partitions go Online and get LeaderAndIsr. */
  async elect(tps: readonly TopicPartition[], strategy: ElectionStrategy): Promise<Map<string, StateOutcome>> {
    const { ctx, logger, config } = this.rt;
    const results = await this.updateStates(tps, (tp, entry, s) => {
      const elected = electLeader(strategy, {
        replicas: entry.replicas,
        state: s,
        isLive: (id) => ctx.isLive(id),
        isLiveOrShuttingDown: (id) => ctx.isLiveOrShuttingDown(id),
        shuttingDown: ctx.shuttingDown,
        uncleanAllowed: strategy.kind === 'offline' && (strategy.allowUnclean || config.uncleanLeaderElectionEnable(tp.topic)),
      });
      if (!elected) return { kind: 'fail', reason: `no eligible leader for ${tpString(tp)} under strategy ${strategyName(strategy)}` };
      return {
        kind: 'write',
        fields: {
          leader: elected.leader,
          leaderEpoch: s.leaderEpoch + 1,
          isr: elected.isr,
          controllerEpoch: ctx.epoch,
          leaderRecoveryState: elected.leaderRecoveryState,
        },
      };
    });
    for (const tp of tps) {
      const r = results.get(tpKey(tp));
      if (!r) continue;
      if (!r.ok) {
        logger.info({ partition: tpString(tp), strategy: strategyName(strategy) }, `Leader election for ${tpString(tp)} failed: ${r.reason}`);
        continue;
      }
      const entry = ctx.requirePartition(tp);
      ctx.moveTo(tp, PartitionLifecycle.Online);
      this.rt.batch.addLeaderAndIsr(entry.replicas.replicas, tp, false);
      logger.info(
        { partition: tpString(tp), leader: r.state.leader, leaderEpoch: r.state.leaderEpoch, isr: r.state.isr, strategy: strategyName(strategy) },
        `Elected leader ${r.state.leader} for ${tpString(tp)} (${strategyName(strategy)}, leader epoch ${r.state.leaderEpoch})`,
      );
    }
    return results;
  }

  /** Partitions whose leader is not registered any more go Offline. */
  markOfflineLeaders(): TopicPartition[] {
    const { ctx } = this.rt;
    const offline = ctx.allPartitions().filter((tp) => {
      const e = ctx.requirePartition(tp);
      return e.state !== undefined && e.lifecycle === PartitionLifecycle.Online && !ctx.isLiveOrShuttingDown(e.state.leader);
    });
    for (const tp of offline) ctx.moveTo(tp, PartitionLifecycle.Offline);
    return offline;
  }

  /**
   * Kafka's triggerOnlinePartitionStateChange: initializes New partitions and runs an offline
   * election (unclean only where the topic allows it) for Offline ones, skipping topics being
   * deleted.
   */
  async triggerOnlinePartitionStateChange(topic?: string): Promise<void> {
    const { ctx } = this.rt;
    const candidates = (topic === undefined ? ctx.allPartitions() : ctx.partitionsOf(topic)).filter((tp) => !ctx.isQueuedForDeletion(tp.topic));
    const fresh = candidates.filter((tp) => ctx.requirePartition(tp).lifecycle === PartitionLifecycle.New);
    const offline = candidates.filter((tp) => ctx.requirePartition(tp).lifecycle === PartitionLifecycle.Offline);
    await this.initializeNew(fresh);
    await this.elect(offline, { kind: 'offline', allowUnclean: false });
  }

  /**
   * Removes `replica` from the ISR of `tps` (Kafka's OfflineReplica transition). If it led the
   * partition, the leader becomes -1 (and the leader epoch moves); the last ISR member is kept
   * so that a clean election can still find it. LeaderAndIsr goes to the other replicas.
   * Callers pass the partitions of a dead replica only after its partitions went Offline and an
   * election was tried, so a partition left with leader -1 is already Offline.
   */
  async removeFromIsr(tps: readonly TopicPartition[], replica: number): Promise<Map<string, StateOutcome>> {
    const { ctx } = this.rt;
    const results = await this.updateStates(tps, (_tp, _entry, s) => {
      const leader = s.leader === replica ? NO_LEADER : s.leader;
      const isr = s.isr.length <= 1 ? [...s.isr] : s.isr.filter((r) => r !== replica);
      if (leader === s.leader && isr.length === s.isr.length) return { kind: 'skip' };
      return {
        kind: 'write',
        fields: {
          leader,
          leaderEpoch: leader !== s.leader ? s.leaderEpoch + 1 : s.leaderEpoch,
          isr,
          controllerEpoch: ctx.epoch,
          leaderRecoveryState: s.leaderRecoveryState,
        },
      };
    });
    for (const tp of tps) {
      const r = results.get(tpKey(tp));
      if (!r?.ok || !r.changed) continue;
      const entry = ctx.requirePartition(tp);
      this.rt.batch.addLeaderAndIsr(entry.replicas.replicas.filter((b) => b !== replica), tp, false);
    }
    return results;
  }

  /** Failover: replicas on unregistered brokers leave the ISRs they are still listed in. */
  async removeDeadReplicasFromIsr(): Promise<void> {
    const { ctx } = this.rt;
    const byReplica = new Map<number, TopicPartition[]>();
    for (const tp of ctx.allPartitions()) {
      if (ctx.isQueuedForDeletion(tp.topic)) continue;
      for (const r of ctx.requirePartition(tp).state?.isr ?? []) {
        if (ctx.isLiveOrShuttingDown(r)) continue;
        let l = byReplica.get(r);
        if (!l) byReplica.set(r, (l = []));
        l.push(tp);
      }
    }
    for (const [replica, tps] of byReplica) await this.removeFromIsr(tps, replica);
  }
}
