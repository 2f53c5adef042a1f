/**
 * Admin-triggered elections (ElectLeaders) and the automatic leader rebalance (Kafka's
 * processReplicaLeaderElection and checkAndTriggerAutoLeaderRebalance).
 *
 * ElectLeaders, per partition:
 * Case A: unknown -> UNKNOWN_TOPIC_OR_PARTITION; topic being deleted -> INVALID_TOPIC_EXCEPTION.
 * Case B: nothing to do (preferred: it already leads; unclean: the leader is live and not
 *   shutting down) ->
 *   ELECTION_NOT_NEEDED; with partitions = null (all) these are left out of the answer.
 * Case C: the election runs (unclean: ISR first, then any live replica); failing ->
 *   PREFERRED_LEADER_NOT_AVAILABLE / ELIGIBLE_LEADERS_NOT_AVAILABLE.
 *
 * Rebalance: for each broker, among the partitions whose preferred replica it is, the share led
 * by someone else; above leaderImbalancePerBrokerPercentage a preferred election runs for those
 * whose preferred replica is live and in the ISR.
 */
import { ErrorCode } from '../../protocol/errors';
import type { ControllerRuntime } from './controller-runtime';
import { TopicPartition, tpKey } from './controller-context';
import { electLeader, ElectionStrategy, NO_LEADER } from './leader-election';
import type { PartitionStateMachine } from './partition-state-machine';
import type { PartitionResult } from './reassignment';

export const ELECTION_PREFERRED = 0;
export const ELECTION_UNCLEAN = 1;

export class LeaderElections {
  constructor(
    private readonly rt: ControllerRuntime,
    private readonly psm: PartitionStateMachine,
  ) {}

  async electLeaders(
    electionType: number,
    partitions: readonly { topic: string; partitions: readonly number[] }[] | null,
  ): Promise<PartitionResult[]> {
    const { ctx } = this.rt;
    const all = partitions === null;
    const tps: TopicPartition[] = all ? ctx.allPartitions() : partitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    const out: PartitionResult[] = [];
    const electable: TopicPartition[] = [];
    for (const tp of tps) {
      const entry = ctx.partition(tp);
      const res = (errorCode: ErrorCode, errorMessage: string | null = null): void => {
        out.push({ topic: tp.topic, partition: tp.partition, errorCode, errorMessage });
      };
      if (!entry) res(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'The partition does not exist.');
      else if (ctx.isQueuedForDeletion(tp.topic)) res(ErrorCode.INVALID_TOPIC_EXCEPTION, 'The topic is being deleted');
      else {
        const leader = entry.state?.leader ?? NO_LEADER;
        const needed = electionType === ELECTION_PREFERRED ? leader !== entry.replicas.replicas[0] : leader === NO_LEADER || !ctx.isLive(leader);
        if (needed) electable.push(tp);
        else if (!all) res(ErrorCode.ELECTION_NOT_NEEDED);
      }
    }
    const strategy: ElectionStrategy = electionType === ELECTION_PREFERRED ? { kind: 'preferred' } : { kind: 'offline', allowUnclean: true };
    const results = await this.psm.elect(electable, strategy);
    const failure = electionType === ELECTION_PREFERRED ? ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE : ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE;
    for (const tp of electable) {
      const r = results.get(tpKey(tp));
      out.push({
        topic: tp.topic,
        partition: tp.partition,
        errorCode: r?.ok ? ErrorCode.NONE : failure,
        errorMessage: r && !r.ok ? `Failed to elect leader for partition ${tp.topic}-${tp.partition}: ${r.reason}` : null,
      });
    }
    return out;
  }

  /** One pass of the automatic preferred-leader rebalance. */
  async rebalance(): Promise<void> {
    const { ctx, config, logger } = this.rt;
    const byPreferred = new Map<number, TopicPartition[]>();
    for (const tp of ctx.allPartitions()) {
      if (ctx.isQueuedForDeletion(tp.topic)) continue;
      const preferred = ctx.requirePartition(tp).replicas.replicas[0] as number;
      let l = byPreferred.get(preferred);
      if (!l) byPreferred.set(preferred, (l = []));
      l.push(tp);
    }
    for (const [broker, tps] of [...byPreferred].sort(([a], [b]) => a - b)) {
      const notLed = tps.filter((tp) => {
        const s = ctx.requirePartition(tp).state;
        return s !== undefined && s.leader !== broker;
      });
      const ratio = notLed.length / tps.length;
      if (ratio <= config.leaderImbalancePerBrokerPercentage / 100) continue;
      const candidates = notLed.filter((tp) => this.canPreferredLead(tp));
      logger.info({ broker, ratio, partitions: candidates.length }, `Leader imbalance of broker ${broker} is ${ratio}; moving ${candidates.length} partitions back`);
      await this.psm.elect(candidates, { kind: 'preferred' });
    }
  }

  private canPreferredLead(tp: TopicPartition): boolean {
    const { ctx } = this.rt;
    const entry = ctx.requirePartition(tp);
    if (!entry.state) return false;
    return (
      electLeader({ kind: 'preferred' }, {
        replicas: entry.replicas,
        state: entry.state,
        isLive: (id) => ctx.isLive(id),
        isLiveOrShuttingDown: (id) => ctx.isLiveOrShuttingDown(id),
        shuttingDown: ctx.shuttingDown,
        uncleanAllowed: false,
      }) !== null
    );
  }
}
