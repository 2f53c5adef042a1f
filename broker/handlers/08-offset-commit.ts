/**
 * OffsetCommit: v0-9
 *
 * Behavior:
 * * Partitions of unknown topics (or beyond a topic's partition count) get
 *   UNKNOWN_TOPIC_OR_PARTITION; the rest go to GroupCoordinator.commitOffsets in one durable
 *   append, each partition answered with its own error code, in request order.
 * * generationId -1 with an empty member id commits for a group without group management.
 * * A null committedMetadata is stored as ''.
 *
 * Version notes:
 * * v1: generationId, memberId, per-partition commitTimestamp (-1 = now)
 * * v2-4: retentionTimeMs (-1 = broker retention; else an explicit expire timestamp)
 * * v3: throttleTimeMs   * v6: committedLeaderEpoch   * v7: groupInstanceId   * v8: flexible
 * * v9: generationIdOrMemberEpoch (same meaning for classic groups)
 */
import type { ErrorCode } from '../../protocol/errors';
import { ErrorCode as EC } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readOffsetCommitRequest, type OffsetCommitRequest } from '../../protocol/generated/offset-commit-request';
import { defaultOffsetCommitResponse, sizeOffsetCommitResponse, writeOffsetCommitResponse, type OffsetCommitResponse } from '../../protocol/generated/offset-commit-response';
import { requireGroupCoordinator } from '../../coordinator/group/group-coordinator';
import type { OffsetCommitEntry } from '../../coordinator/group/offset-manager';
import { defineHandler } from './define-handler';

function allPartitions(req: OffsetCommitRequest, code: ErrorCode): OffsetCommitResponse {
  return {
    ...defaultOffsetCommitResponse(),
    topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) })),
  };
}

export const offsetCommitHandler = defineHandler<OffsetCommitRequest, OffsetCommitResponse>({
  apiKey: ApiKey.OffsetCommit,
  minVersion: 0,
  maxVersion: 9,
  read: readOffsetCommitRequest,
  write: writeOffsetCommitResponse,
  size: sizeOffsetCommitResponse,
  async handle(ctx, req) {
    const gc = requireGroupCoordinator(ctx.services.groupCoordinator);
    const v = ctx.apiVersion;
    const cache = ctx.services.metadataCache;
    const retention = v >= 2 && v <= 4 ? req.retentionTimeMs : -1n;
    const expire = retention === -1n ? null : BigInt(ctx.services.clock.now()) + retention;
    // One code per partition in request order (topic by topic); undefined = sent to the coordinator.
    const codes: (ErrorCode | undefined)[] = [];
    const entries: OffsetCommitEntry[] = [];
    const sent: number[] = []; // index into codes of each entry
    for (const t of req.topics) {
      const topic = cache.topic(t.name);
      for (const p of t.partitions) {
        if (!topic || !topic.assignment.has(p.partitionIndex)) {
          codes.push(EC.UNKNOWN_TOPIC_OR_PARTITION);
          continue;
        }
        sent.push(codes.length);
        codes.push(undefined);
        entries.push({
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
          metadata: p.committedMetadata,
          commitTimestampMs: v === 1 ? p.commitTimestamp : -1n,
          expireTimestampMs: expire,
        });
      }
    }
    if (entries.length > 0) {
      const results = await gc.commitOffsets(req.groupId, v >= 1 ? req.memberId : '', v >= 7 ? req.groupInstanceId : null, v >= 1 ? req.generationIdOrMemberEpoch : -1, entries);
      for (let i = 0; i < sent.length; i++) codes[sent[i]!] = results[i];
    }
    let i = 0;
    return {
      ...defaultOffsetCommitResponse(),
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codes[i++] ?? EC.UNKNOWN_SERVER_ERROR })),
      })),
    };
  },
  errorResponse(req, code) {
    return allPartitions(req, code);
  },
});
