/**
 * The transaction coordinator's TxnMarkerSender (Kafka 3.9's TransactionMarkerChannelManager
 * send side): the partitions of a marker are grouped by their current leader in this broker's
 * metadata cache, and each leader gets one WriteTxnMarkers v1 request: this broker in process
 * through the dispatcher (`local`, the same handler as over the wire), the others over an
 * InterBrokerClient to their endpoint on the inter-broker listener, one connection per broker
 * kept until close().
 *
 * Per partition: no live leader (or no inter-broker endpoint) -> LEADER_NOT_AVAILABLE; the
 * request failed without an answer (connect, timeout, dropped connection) -> NETWORK_EXCEPTION;
 * otherwise the leader's code. The coordinator retries the retriable ones.
 */
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import type { WriteTxnMarkersRequest } from '../../protocol/generated/write-txn-markers-request';
import type { WriteTxnMarkersResponse } from '../../protocol/generated/write-txn-markers-response';
import { groupByTopic, type TopicPartition } from '../../coordinator/txn/topic-partition-set';
import type { TxnMarker, TxnMarkerPartitionResult, TxnMarkerSender } from '../../coordinator/txn/txn-marker-sender';
import type { MetadataCache } from '../metadata/metadata-cache';

/** WriteTxnMarkers version sent (v1: flexible; Kafka 3.9's current). */
export const WRITE_TXN_MARKERS_VERSION = 1;

/** Sends one request and resolves with the decoded response body. */
export type MarkerRequestSender = (apiKey: number, version: number, body: unknown) => Promise<unknown>;

/** A connection to another broker (an InterBrokerClient in the broker). */
export interface MarkerConnection {
  request(apiKey: number, version: number, body: unknown): Promise<unknown>;
  close(): void;
}

export interface BrokerTxnMarkerSenderOptions {
  brokerId: number;
  cache: Pick<MetadataCache, 'partitionInfo' | 'endpointOf'>;
  interBrokerListenerName: string;
  /** Requests to this broker itself (Dispatcher.handleLocal). */
  local: MarkerRequestSender;
  /** Opens a connection to another broker's inter-broker endpoint. */
  connect: (brokerId: number, host: string, port: number) => MarkerConnection;
}

export class BrokerTxnMarkerSender implements TxnMarkerSender {
  private readonly connections = new Map<number, { host: string; port: number; conn: MarkerConnection }>();

  constructor(private readonly opts: BrokerTxnMarkerSenderOptions) {}

  partitionExists(topic: string, partition: number): boolean {
    return this.opts.cache.partitionInfo(topic, partition) !== undefined;
  }

  async send(marker: TxnMarker): Promise<TxnMarkerPartitionResult[]> {
    const results: TxnMarkerPartitionResult[] = [];
    const byLeader = new Map<number, TopicPartition[]>();
    for (const tp of marker.partitions) {
      const leader = this.opts.cache.partitionInfo(tp.topic, tp.partition)?.leader ?? -1;
      if (leader < 0) {
        results.push({ topic: tp.topic, partition: tp.partition, errorCode: ErrorCode.LEADER_NOT_AVAILABLE });
        continue;
      }
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(tp);
    }
    const answers = await Promise.all([...byLeader].map(([leader, partitions]) => this.sendTo(leader, marker, partitions)));
    for (const a of answers) results.push(...a);
    return results;
  }

  private async sendTo(leader: number, marker: TxnMarker, partitions: readonly TopicPartition[]): Promise<TxnMarkerPartitionResult[]> {
    const all = (errorCode: ErrorCode): TxnMarkerPartitionResult[] => partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, errorCode }));
    const req: WriteTxnMarkersRequest = {
      markers: [
        {
          producerId: marker.producerId,
          producerEpoch: marker.producerEpoch,
          transactionResult: marker.result === 'COMMIT',
          topics: [...groupByTopic(partitions)].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
          coordinatorEpoch: marker.coordinatorEpoch,
        },
      ],
    };
    let sender: MarkerRequestSender;
    if (leader === this.opts.brokerId) sender = this.opts.local;
    else {
      const conn = this.connectionTo(leader);
      if (!conn) return all(ErrorCode.LEADER_NOT_AVAILABLE);
      sender = (k, v, b) => conn.request(k, v, b);
    }
    let resp: WriteTxnMarkersResponse;
    try {
      resp = (await sender(ApiKey.WriteTxnMarkers, WRITE_TXN_MARKERS_VERSION, req)) as WriteTxnMarkersResponse;
    } catch {
      return all(ErrorCode.NETWORK_EXCEPTION);
    }
    // partitions missing from the answer are left out: the coordinator retries them
    const out: TxnMarkerPartitionResult[] = [];
    for (const m of resp.markers) {
      if (m.producerId !== marker.producerId) continue;
      for (const t of m.topics) for (const p of t.partitions) out.push({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode as ErrorCode });
    }
    return out;
  }

  /** The connection to `brokerId` on the inter-broker listener (reopened if its endpoint moved), or null without one. */
  private connectionTo(brokerId: number): MarkerConnection | null {
    const ep = this.opts.cache.endpointOf(brokerId, this.opts.interBrokerListenerName);
    const current = this.connections.get(brokerId);
    if (!ep) return null;
    if (current && current.host === ep.host && current.port === ep.port) return current.conn;
    current?.conn.close();
    const conn = this.opts.connect(brokerId, ep.host, ep.port);
    this.connections.set(brokerId, { host: ep.host, port: ep.port, conn });
    return conn;
  }

  close(): void {
    for (const c of this.connections.values()) c.conn.close();
    this.connections.clear();
  }
}
