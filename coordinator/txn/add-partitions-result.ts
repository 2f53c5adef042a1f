/**
 * The per-partition answer of AddPartitionsToTxn. Every version answers an error per partition:
 * v0-3 as the response's top-level topic list (`resultsByTopicV3AndBelow` = `topicResults`), v4-5
 * as one AddPartitionsToTxnResult per transaction. The coordinator decides one error for the
 * whole transaction except for verifyOnly (per partition); the handler decides the partitions it
 * refuses itself (Kafka: unknown or unauthorized topics get their error, every other partition of
 * that transaction OPERATION_NOT_ATTEMPTED, and the coordinator is not asked).
 */
import { ErrorCode } from '../../protocol/errors';
import type { AddPartitionsToTxnResult, AddPartitionsToTxnTopicResult } from '../../protocol/generated/add-partitions-to-txn-response';
import type { TopicPartition } from './topic-partition-set';

/** One result entry per partition, grouped by topic in first-seen order. */
export function addPartitionsResult(transactionalId: string, errors: Iterable<readonly [TopicPartition, ErrorCode]>): AddPartitionsToTxnResult {
  const byTopic = new Map<string, AddPartitionsToTxnTopicResult>();
  for (const [tp, code] of errors) {
    let t = byTopic.get(tp.topic);
    if (!t) {
      t = { name: tp.topic, resultsByPartition: [] };
      byTopic.set(tp.topic, t);
    }
    t.resultsByPartition.push({ partitionIndex: tp.partition, partitionErrorCode: code });
  }
  return { transactionalId, topicResults: [...byTopic.values()] };
}

/** The same error for every partition (the coordinator's answer to a non-verify request). */
export function addPartitionsResultForAll(transactionalId: string, partitions: Iterable<TopicPartition>, code: ErrorCode): AddPartitionsToTxnResult {
  return addPartitionsResult(transactionalId, [...partitions].map((tp) => [tp, code] as const));
}

/** Partitions refused before the coordinator: their errors, OPERATION_NOT_ATTEMPTED for the rest. */
export function addPartitionsRejected(transactionalId: string, refused: Iterable<readonly [TopicPartition, ErrorCode]>, others: Iterable<TopicPartition>): AddPartitionsToTxnResult {
  return addPartitionsResult(transactionalId, [...refused, ...[...others].map((tp) => [tp, ErrorCode.OPERATION_NOT_ATTEMPTED] as const)]);
}
