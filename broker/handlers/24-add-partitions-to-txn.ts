/**
 * AddPartitionsToTxn: v0-5
 *
 * Behavior:
 * * Per transaction: every partition must be in the metadata cache; otherwise the unknown ones
 *   get UNKNOWN_TOPIC_OR_PARTITION, the others OPERATION_NOT_ATTEMPTED, and the coordinator is
 *   not asked (Kafka's KafkaApis).
 * * Otherwise TransactionCoordinator.handleAddPartitionsToTransaction: one error for every
 *   partition of the transaction (NONE once the Ongoing state with them is durable;
 *   NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED,
 *   CONCURRENT_TRANSACTIONS while the previous transaction completes, ...).
 * * verifyOnly (v4+, a partition leader asking): per partition NONE if it is in the ongoing
 *   transaction, TRANSACTION_ABORTABLE if not; nothing is written.
 * * No authorizer: Kafka's TOPIC/TRANSACTIONAL_ID/CLUSTER authorization always passes.
 *
 * Version notes:
 * * v0-3: one transaction in the top-level fields, answered in resultsByTopicV3AndBelow
 * * v0-1: PRODUCER_FENCED is answered as INVALID_PRODUCER_EPOCH   * v3: flexible
 * * v4: batched transactions (resultsByTransaction, top-level errorCode), verifyOnly
 * * v5: (KIP-890 abortable error codes; same handling)
 */
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readAddPartitionsToTxnRequest, type AddPartitionsToTxnRequest, type AddPartitionsToTxnTopic } from '../../protocol/generated/add-partitions-to-txn-request';
import {
  defaultAddPartitionsToTxnResponse,
  sizeAddPartitionsToTxnResponse,
  writeAddPartitionsToTxnResponse,
  type AddPartitionsToTxnResponse,
  type AddPartitionsToTxnResult,
} from '../../protocol/generated/add-partitions-to-txn-response';
import { addPartitionsRejected, addPartitionsResultForAll } from '../../coordinator/txn/add-partitions-result';
import type { TopicPartition } from '../../coordinator/txn/topic-partition-set';
import type { TransactionCoordinator } from '../../coordinator/txn/transaction-coordinator';
import type { MetadataCache } from '../metadata/metadata-cache';
import { fencedForVersion, requireTxnCoordinator } from '../txn/txn-handler-support';
import { defineHandler } from './define-handler';

interface TxnToAdd {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: readonly AddPartitionsToTxnTopic[];
}

function transactionsOf(req: AddPartitionsToTxnRequest, version: number): TxnToAdd[] {
  if (version >= 4) return req.transactions;
  return [{ transactionalId: req.v3AndBelowTransactionalId, producerId: req.v3AndBelowProducerId, producerEpoch: req.v3AndBelowProducerEpoch, verifyOnly: false, topics: req.v3AndBelowTopics }];
}

function partitionsOf(t: TxnToAdd): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const topic of t.topics) for (const partition of topic.partitions) out.push({ topic: topic.name, partition });
  return out;
}

async function addOne(tc: TransactionCoordinator, cache: MetadataCache, t: TxnToAdd, version: number): Promise<AddPartitionsToTxnResult> {
  const partitions = partitionsOf(t);
  const unknown: [TopicPartition, ErrorCode][] = [];
  const known: TopicPartition[] = [];
  for (const tp of partitions) {
    if (cache.partitionInfo(tp.topic, tp.partition) === undefined) unknown.push([tp, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    else known.push(tp);
  }
  if (unknown.length > 0) return addPartitionsRejected(t.transactionalId, unknown, known);
  if (t.verifyOnly) return tc.handleVerifyPartitionsInTransaction(t.transactionalId, t.producerId, t.producerEpoch, partitions);
  const code = await tc.handleAddPartitionsToTransaction(t.transactionalId, t.producerId, t.producerEpoch, partitions);
  return addPartitionsResultForAll(t.transactionalId, partitions, fencedForVersion(code, version, 2));
}

export const addPartitionsToTxnHandler = defineHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>({
  apiKey: ApiKey.AddPartitionsToTxn,
  minVersion: 0,
  maxVersion: 5,
  read: readAddPartitionsToTxnRequest,
  write: writeAddPartitionsToTxnResponse,
  size: sizeAddPartitionsToTxnResponse,
  async handle(ctx, req) {
    const tc = requireTxnCoordinator(ctx.services);
    const v = ctx.apiVersion;
    const results = await Promise.all(transactionsOf(req, v).map((t) => addOne(tc, ctx.services.metadataCache, t, v)));
    if (v < 4) return { ...defaultAddPartitionsToTxnResponse(), resultsByTopicV3AndBelow: results[0]?.topicResults ?? [] };
    return { ...defaultAddPartitionsToTxnResponse(), resultsByTransaction: results };
  },
  errorResponse(req, code, ctx) {
    // Kafka's getErrorResponse: v0-3 every partition, v4+ the top-level code only
    if (ctx.apiVersion >= 4) return { ...defaultAddPartitionsToTxnResponse(), errorCode: code };
    const t = transactionsOf(req, ctx.apiVersion)[0]!;
    return { ...defaultAddPartitionsToTxnResponse(), resultsByTopicV3AndBelow: addPartitionsResultForAll(t.transactionalId, partitionsOf(t), code).topicResults };
  },
});
