/**
 * KIP-951: a Produce (v10+) or Fetch (v12+) partition answered NOT_LEADER_OR_FOLLOWER or
 * FENCED_LEADER_EPOCH carries the leader this broker knows of (currentLeader), and the
 * response lists that leader's endpoint (nodeEndpoints, Produce v10+ / Fetch v16+), so the
 * client can go there without a Metadata round trip.
 */
import { ErrorCode } from '../../protocol/errors';
import type { HandlerContext } from './define-handler';

export interface LeaderHint {
  leaderId: number;
  leaderEpoch: number;
}

export interface HintNode {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** Whether a partition error gets a leader hint. */
export function wantsLeaderHint(code: ErrorCode): boolean {
  return code === ErrorCode.NOT_LEADER_OR_FOLLOWER || code === ErrorCode.FENCED_LEADER_EPOCH;
}

/** Collects the hints of one response and the endpoints of the leaders they name. */
export class LeaderHints {
  private readonly nodes = new Map<number, HintNode>();

  constructor(private readonly ctx: HandlerContext) {}

  /** The leader of the partition as the metadata cache knows it ({-1, -1} when unknown). */
  hint(topic: string, partition: number): LeaderHint {
    const cache = this.ctx.services.metadataCache;
    const info = cache.partitionInfo(topic, partition);
    if (!info || info.leader < 0) return { leaderId: -1, leaderEpoch: -1 };
    if (!this.nodes.has(info.leader)) {
      const ep = cache.endpointOf(info.leader, this.ctx.listener);
      if (ep) this.nodes.set(info.leader, { nodeId: info.leader, host: ep.host, port: ep.port, rack: null });
    }
    return { leaderId: info.leader, leaderEpoch: info.leaderEpoch };
  }

  endpoints(): HintNode[] {
    return [...this.nodes.values()];
  }
}
