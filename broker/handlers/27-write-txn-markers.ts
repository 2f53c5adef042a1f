/**
 * WriteTxnMarkers: v0-1 (Kafka's KafkaApis.handleWriteTxnMarkersRequest)
 *
 * Behavior:
 * * Sent by a transaction coordinator to the leaders of a transaction's partitions. For each
 *   marker, every partition gets one COMMIT or ABORT control batch (producer id and epoch, the
 *   coordinator epoch in its record), appended as the leader with origin 'coordinator' (epochs
 *   checked, sequences not) and acks=-1, timeout request.timeout.ms (30000, Kafka's default).
 *   The markers' appends all start before the first answer is awaited, in request order.
 * * Per-partition errors: UNKNOWN_TOPIC_OR_PARTITION without a local replica (Kafka looks up the
 *   local log's message format; every Gregor log is magic 2, so UNSUPPORTED_FOR_MESSAGE_FORMAT
 *   never occurs); then the append's: NOT_LEADER_OR_FOLLOWER, INVALID_PRODUCER_EPOCH (an epoch
 *   older than the producer's), TRANSACTION_COORDINATOR_FENCED (an older coordinator epoch),
 *   NOT_ENOUGH_REPLICAS(_AFTER_APPEND), REQUEST_TIMED_OUT, KAFKA_STORAGE_ERROR.
 * * Once a marker's appends answered, the __consumer_offsets partitions that took it are reported
 *   to the group coordinator (onTransactionCompleted: its pending transactional offset commits
 *   become visible or are dropped); if that throws, those partitions answer UNKNOWN_SERVER_ERROR.
 * * Results are keyed by producer id, as Kafka's response: two markers of one producer merge.
 *
 * Version notes:
 * * v1: flexible
 */
import { ErrorCode, errorCodeOf } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readWriteTxnMarkersRequest, type WritableTxnMarker, type WriteTxnMarkersRequest } from '../../protocol/generated/write-txn-markers-request';
import { defaultWriteTxnMarkersResponse, sizeWriteTxnMarkersResponse, writeWriteTxnMarkersResponse, type WriteTxnMarkersResponse } from '../../protocol/generated/write-txn-markers-response';
import { ControlRecordType, buildEndTxnMarkerBatch } from '../../protocol/records/control-record';
import type { AppendEntry, AppendResult } from '../replica/replica-manager';
import { OFFSETS_TOPIC } from '../metadata/topic-admin';
import { defineHandler, type HandlerContext } from './define-handler';

/** request.timeout.ms (Kafka's default; the broker config key is not read yet). */
const MARKER_APPEND_TIMEOUT_MS = 30_000;

/** producer id -> topic -> partition -> error code, in the order first seen. */
type Results = Map<bigint, Map<string, Map<number, ErrorCode>>>;

function put(results: Results, producerId: bigint, topic: string, partition: number, code: ErrorCode): void {
  let topics = results.get(producerId);
  if (!topics) results.set(producerId, (topics = new Map()));
  let parts = topics.get(topic);
  if (!parts) topics.set(topic, (parts = new Map()));
  parts.set(partition, code);
}

/** Starts the appends of one marker (synchronously) and resolves with each partition's result. */
function appendMarker(ctx: HandlerContext, m: WritableTxnMarker): { entries: AppendEntry[]; done: Promise<AppendResult[]> } | null {
  const { replicaManager, configAdmin } = ctx.services;
  const entries: AppendEntry[] = [];
  const type = m.transactionResult ? ControlRecordType.COMMIT : ControlRecordType.ABORT;
  for (const t of m.topics) {
    for (const p of t.partitionIndexes) {
      const local = replicaManager.getPartition(t.name, p);
      const entry: AppendEntry = { topic: t.name, partition: p, records: EMPTY, origin: 'coordinator' };
      if (!local || local.isClosed) entry.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      else entry.records = buildEndTxnMarkerBatch({ type, coordinatorEpoch: m.coordinatorEpoch, producerId: m.producerId, producerEpoch: m.producerEpoch });
      entries.push(entry);
    }
  }
  if (entries.length === 0) return null;
  const done = replicaManager.appendRecords(entries, -1, MARKER_APPEND_TIMEOUT_MS, (topic) => configAdmin.topicInt(topic, 'min.insync.replicas'));
  return { entries, done };
}

async function reportToGroupCoordinator(ctx: HandlerContext, m: WritableTxnMarker, entries: readonly AppendEntry[], results: readonly AppendResult[]): Promise<ErrorCode> {
  const partitions = entries.filter((e, i) => e.topic === OFFSETS_TOPIC && results[i]!.errorCode === ErrorCode.NONE).map((e) => e.partition);
  const gc = ctx.services.groupCoordinator;
  if (partitions.length === 0 || !gc?.onTransactionCompleted) return ErrorCode.NONE;
  try {
    await gc.onTransactionCompleted(m.producerId, partitions, m.transactionResult);
    return ErrorCode.NONE;
  } catch (e) {
    ctx.log.error({ err: e, producerId: m.producerId.toString() }, 'updating the offsets cache on a transaction marker failed');
    return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}

export const writeTxnMarkersHandler = defineHandler<WriteTxnMarkersRequest, WriteTxnMarkersResponse>({
  apiKey: ApiKey.WriteTxnMarkers,
  minVersion: 0,
  maxVersion: 1,
  read: readWriteTxnMarkersRequest,
  write: writeWriteTxnMarkersResponse,
  size: sizeWriteTxnMarkersResponse,
  async handle(ctx, req) {
    // every marker's appends start now, in request order
    const started = req.markers.map((m) => ({ m, a: appendMarker(ctx, m) }));
    const results: Results = new Map();
    for (const { m, a } of started) {
      if (!a) continue;
      let answers: AppendResult[];
      try {
        answers = await a.done;
      } catch (e) {
        const code = errorCodeOf(e);
        answers = a.entries.map(() => ({ errorCode: code }) as AppendResult);
      }
      const gcError = await reportToGroupCoordinator(ctx, m, a.entries, answers);
      a.entries.forEach((e, i) => {
        const code = answers[i]!.errorCode;
        put(results, m.producerId, e.topic, e.partition, gcError !== ErrorCode.NONE && e.topic === OFFSETS_TOPIC && code === ErrorCode.NONE ? gcError : code);
      });
    }
    return {
      ...defaultWriteTxnMarkersResponse(),
      markers: [...results].map(([producerId, topics]) => ({
        producerId,
        topics: [...topics].map(([name, parts]) => ({ name, partitions: [...parts].map(([partitionIndex, errorCode]) => ({ partitionIndex, errorCode })) })),
      })),
    };
  },
  errorResponse(req, code) {
    return {
      ...defaultWriteTxnMarkersResponse(),
      markers: req.markers.map((m) => ({
        producerId: m.producerId,
        topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode: code })) })),
      })),
    };
  },
});

const EMPTY = Buffer.alloc(0);
