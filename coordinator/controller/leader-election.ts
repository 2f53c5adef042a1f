/**
 * Partition leader election algorithms (Kafka's PartitionLeaderElectionAlgorithms and
 * Election). Pure: they pick a leader and an ISR; the caller bumps the leader epoch and writes.
 *
 * Case A (offline): the first replica in assignment order that is live and in the ISR; the new
 *   ISR is the old one without dead replicas. Failing that, and only when unclean election is
 *   allowed, the first live replica, alone in the ISR, with leaderRecoveryState RECOVERING.
 * Case B (reassignment): the first target replica that is live and in the ISR; ISR unchanged.
 * Case C (preferred): the first assigned replica, if live and in the ISR; ISR unchanged.
 * Case D (controlled shutdown): the first replica that is registered, in the ISR and not shutting
 *   down; the new ISR drops the shutting-down brokers.
 */
import type { PartitionState } from '../metadata-store';
import type { ReplicaSet } from './replica-set';

export const LEADER_RECOVERED = 0;
export const LEADER_RECOVERING = 1;
/** Kafka's LeaderAndIsr.NO_LEADER. */
export const NO_LEADER = -1;
/** Kafka's LeaderAndIsr.LEADER_DURING_DELETE: tells brokers to drop the partition from their metadata. */
export const LEADER_DURING_DELETE = -2;
/** Kafka's LeaderAndIsr.EPOCH_DURING_DELETE: the StopReplica leader epoch of a deleted topic. */
export const EPOCH_DURING_DELETE = -2;

export type ElectionStrategy =
  /** allowUnclean: true forces the unclean fallback (ElectLeaders UNCLEAN); false defers to the topic's config. */
  | { readonly kind: 'offline'; readonly allowUnclean: boolean }
  | { readonly kind: 'reassign' }
  | { readonly kind: 'preferred' }
  | { readonly kind: 'controlled-shutdown' };

export interface ElectionInput {
  readonly replicas: ReplicaSet;
  readonly state: PartitionState;
  /** Registered and not shutting down. */
  isLive(brokerId: number): boolean;
  /** Registered, shutting down or not. */
  isLiveOrShuttingDown(brokerId: number): boolean;
  readonly shuttingDown: ReadonlySet<number>;
  /** Case A only: whether the unclean fallback may run (strategy or topic config). */
  readonly uncleanAllowed: boolean;
}

export interface ElectedLeader {
  readonly leader: number;
  readonly isr: readonly number[];
  readonly leaderRecoveryState: number;
}

export function electLeader(strategy: ElectionStrategy, input: ElectionInput): ElectedLeader | null {
  const { state } = input;
  const isr = state.isr;
  const inIsr = (id: number): boolean => isr.includes(id);
  switch (strategy.kind) {
    case 'offline': {
      const assignment = input.replicas.replicas;
      const clean = assignment.find((id) => input.isLive(id) && inIsr(id));
      if (clean !== undefined) {
        return { leader: clean, isr: isr.filter((id) => input.isLive(id)), leaderRecoveryState: state.leaderRecoveryState };
      }
      if (!input.uncleanAllowed) return null;
      const unclean = assignment.find((id) => input.isLive(id));
      return unclean === undefined ? null : { leader: unclean, isr: [unclean], leaderRecoveryState: LEADER_RECOVERING };
    }
    case 'reassign': {
      const leader = input.replicas.target.find((id) => input.isLive(id) && inIsr(id));
      return leader === undefined ? null : { leader, isr: [...isr], leaderRecoveryState: state.leaderRecoveryState };
    }
    case 'preferred': {
      const preferred = input.replicas.replicas[0];
      if (preferred === undefined || !input.isLive(preferred) || !inIsr(preferred)) return null;
      return { leader: preferred, isr: [...isr], leaderRecoveryState: state.leaderRecoveryState };
    }
    case 'controlled-shutdown': {
      const leader = input.replicas.replicas.find(
        (id) => input.isLiveOrShuttingDown(id) && inIsr(id) && !input.shuttingDown.has(id),
      );
      if (leader === undefined) return null;
      return { leader, isr: isr.filter((id) => !input.shuttingDown.has(id)), leaderRecoveryState: state.leaderRecoveryState };
    }
  }
}

export function strategyName(s: ElectionStrategy): string {
  return s.kind === 'offline' ? `offline(allowUnclean=${s.allowUnclean})` : s.kind;
}
