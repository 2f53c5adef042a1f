/**
 * TxnOffsetCommit: v0-4
 *
 * Behavior:
 * * Topics not in the metadata cache get UNKNOWN_TOPIC_OR_PARTITION for all their partitions,
 *   unknown partitions of known topics individually; the rest go to
 *   GroupCoordinator.commitTransactionalOffsets: written to __consumer_offsets in a transactional
 *   batch of the producer's id and epoch, visible to OffsetFetch only once the transaction's
 *   COMMIT marker is written (dropped on ABORT); until then requireStable fetches of those
 *   partitions answer UNSTABLE_OFFSET_COMMIT.
 * * Unlike OffsetCommit, a commit without member and generation is accepted from a group with
 *   members (Kafka's validateOffsetCommit with isTransactional); a null metadata is stored as ''.
 *
 * Version notes:
 * * v0-1: COORDINATOR_LOAD_IN_PROGRESS is answered as COORDINATOR_NOT_AVAILABLE (KAFKA-7296)
 * * v2: committedLeaderEpoch   * v3: generationId, memberId, groupInstanceId, flexible
 */
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readTxnOffsetCommitRequest, type TxnOffsetCommitRequest } from '../../protocol/generated/txn-offset-commit-request';
import { defaultTxnOffsetCommitResponse, sizeTxnOffsetCommitResponse, writeTxnOffsetCommitResponse, type TxnOffsetCommitResponse } from '../../protocol/generated/txn-offset-commit-response';
import { requireGroupCoordinator } from '../../coordinator/group/group-coordinator';
import type { OffsetCommitEntry } from '../../coordinator/group/offset-manager';
import { defineHandler } from './define-handler';

function mapForVersion(code: ErrorCode, version: number): ErrorCode {
  return version < 2 && code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? ErrorCode.COORDINATOR_NOT_AVAILABLE : code;
}

function allPartitions(req: TxnOffsetCommitRequest, code: ErrorCode): TxnOffsetCommitResponse {
  return {
    ...defaultTxnOffsetCommitResponse(),
    topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) })),
  };
}

export const txnOffsetCommitHandler = defineHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>({
  apiKey: ApiKey.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 4,
  read: readTxnOffsetCommitRequest,
  write: writeTxnOffsetCommitResponse,
  size: sizeTxnOffsetCommitResponse,
  async handle(ctx, req) {
    const gc = requireGroupCoordinator(ctx.services.groupCoordinator);
    const v = ctx.apiVersion;
    const cache = ctx.services.metadataCache;
    // One code per partition in request order; undefined = sent to the coordinator.
    const codes: (ErrorCode | undefined)[] = [];
    const entries: OffsetCommitEntry[] = [];
    const sent: number[] = [];
    for (const t of req.topics) {
      const topic = cache.topic(t.name);
      for (const p of t.partitions) {
        if (!topic || cache.partitionInfo(topic, p.partitionIndex) === undefined) {
          codes.push(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          continue;
        }
        sent.push(codes.length);
        codes.push(undefined);
        entries.push({
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: v >= 2 ? p.committedLeaderEpoch : -1,
          metadata: p.committedMetadata,
          commitTimestampMs: -1n,
          expireTimestampMs: null,
        });
      }
    }
    if (entries.length > 0) {
      const results = await gc.commitTransactionalOffsets({
        groupId: req.groupId,
        transactionalId: req.transactionalId,
        producerId: req.producerId,
        producerEpoch: req.producerEpoch,
        generationId: v >= 3 ? req.generationId : -1,
        memberId: v >= 3 ? req.memberId : '',
        groupInstanceId: v >= 3 ? req.groupInstanceId : null,
        entries,
      });
      for (let i = 0; i < sent.length; i++) codes[sent[i]!] = results[i];
    }
    let i = 0;
    return {
      ...defaultTxnOffsetCommitResponse(),
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: mapForVersion(codes[i++] ?? ErrorCode.UNKNOWN_SERVER_ERROR, v) })),
      })),
    };
  },
  errorResponse(req, code, ctx) {
    return allPartitions(req, mapForVersion(code, ctx.apiVersion));
  },
});
