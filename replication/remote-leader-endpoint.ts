/**
 * RemoteLeaderEndpoint: LeaderEndpoint over an InterBrokerClient, at fixed versions (the
 * ones a Kafka 3.9 broker sends in ZooKeeper mode; Gregor's handlers accept them):
 * - Fetch v16: flexible, topics by id, the replica id in `replicaState.replicaId` (the
 *   top-level `replicaId` field ends at v14 and must stay -1), replica epoch -1 (ZooKeeper
 *   mode has no broker epochs in fetches).
 * - OffsetForLeaderEpoch v4 with `replicaId` = this broker.
 * - ListOffsets v9 with `replicaId` = this broker, read_uncommitted.
 * Every request is given `socketTimeoutMs` (replica.socket.timeout.ms).
 */
import { ErrorCode, KafkaError } from '../protocol/errors';
import { ApiKey } from '../protocol/generated/api-keys';
import type { FetchRequest } from '../protocol/generated/fetch-request';
import type { FetchResponse } from '../protocol/generated/fetch-response';
import type { ListOffsetsRequest } from '../protocol/generated/list-offsets-request';
import type { ListOffsetsResponse } from '../protocol/generated/list-offsets-response';
import type { OffsetForLeaderEpochRequest, OffsetForLeaderTopic } from '../protocol/generated/offset-for-leader-epoch-request';
import type { OffsetForLeaderEpochResponse } from '../protocol/generated/offset-for-leader-epoch-response';
import type { InterBrokerClient } from './inter-broker-client';
import type { EpochAnswer, EpochQuery, LeaderEndpoint } from './leader-endpoint';

export const REPLICA_FETCH_VERSION = 16;
export const OFFSET_FOR_LEADER_EPOCH_VERSION = 4;
export const LIST_OFFSETS_VERSION = 9;

/** ListOffsets special timestamps. */
const EARLIEST_TIMESTAMP = -2n;
const LATEST_TIMESTAMP = -1n;

export interface RemoteLeaderEndpointOptions {
  /** The connection to the leader; closed by close(). */
  client: Pick<InterBrokerClient, 'request' | 'close'>;
  /** This broker's id, sent as the replica id (-1 would make the requests a consumer's). */
  replicaId: number;
  /** Per-request timeout in ms (replica.socket.timeout.ms, Kafka's default 30000). */
  socketTimeoutMs: number;
}

export class RemoteLeaderEndpoint implements LeaderEndpoint {
  constructor(private readonly opts: RemoteLeaderEndpointOptions) {}

  fetch(req: FetchRequest): Promise<FetchResponse> {
    const body: FetchRequest = { ...req, replicaId: -1, replicaState: { ...req.replicaState, replicaId: this.opts.replicaId, replicaEpoch: -1n } };
    return this.opts.client.request<FetchResponse>(ApiKey.Fetch, REPLICA_FETCH_VERSION, body, this.opts.socketTimeoutMs);
  }

  async offsetForLeaderEpoch(queries: readonly EpochQuery[]): Promise<EpochAnswer[]> {
    if (queries.length === 0) return [];
    const byTopic = new Map<string, OffsetForLeaderTopic>();
    for (const q of queries) {
      let t = byTopic.get(q.topic);
      if (!t) byTopic.set(q.topic, (t = { topic: q.topic, partitions: [] }));
      t.partitions.push({ partition: q.partition, currentLeaderEpoch: q.currentLeaderEpoch, leaderEpoch: q.leaderEpoch });
    }
    const req: OffsetForLeaderEpochRequest = { replicaId: this.opts.replicaId, topics: [...byTopic.values()] };
    const resp = await this.opts.client.request<OffsetForLeaderEpochResponse>(ApiKey.OffsetForLeaderEpoch, OFFSET_FOR_LEADER_EPOCH_VERSION, req, this.opts.socketTimeoutMs);
    const answered = new Map<string, EpochAnswer>();
    for (const t of resp.topics) {
      for (const p of t.partitions) {
        answered.set(`${t.topic}\u0000${p.partition}`, { topic: t.topic, partition: p.partition, errorCode: p.errorCode, leaderEpoch: p.leaderEpoch, endOffset: p.endOffset });
      }
    }
    return queries.map(
      (q) =>
        answered.get(`${q.topic}\u0000${q.partition}`) ?? { topic: q.topic, partition: q.partition, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, leaderEpoch: -1, endOffset: -1n },
    );
  }

  fetchEarliestOffset(topic: string, partition: number, currentLeaderEpoch: number): Promise<bigint> {
    return this.listOffset(topic, partition, currentLeaderEpoch, EARLIEST_TIMESTAMP);
  }

  fetchLatestOffset(topic: string, partition: number, currentLeaderEpoch: number): Promise<bigint> {
    return this.listOffset(topic, partition, currentLeaderEpoch, LATEST_TIMESTAMP);
  }

  close(): void {
    this.opts.client.close();
  }

  private async listOffset(topic: string, partition: number, currentLeaderEpoch: number, timestamp: bigint): Promise<bigint> {
    const req: ListOffsetsRequest = {
      replicaId: this.opts.replicaId,
      isolationLevel: 0,
      topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch, timestamp, maxNumOffsets: 1 }] }],
    };
    const resp = await this.opts.client.request<ListOffsetsResponse>(ApiKey.ListOffsets, LIST_OFFSETS_VERSION, req, this.opts.socketTimeoutMs);
    const p = resp.topics.find((t) => t.name === topic)?.partitions.find((x) => x.partitionIndex === partition);
    if (!p) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `ListOffsets response has no ${topic}-${partition}`);
    if (p.errorCode !== ErrorCode.NONE) throw new KafkaError(p.errorCode, `ListOffsets for ${topic}-${partition} failed: ${ErrorCode[p.errorCode] ?? p.errorCode}`);
    return p.offset;
  }
}
