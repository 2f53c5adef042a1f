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
    const now = BigInt(ctx.services.clock.now());
    const retention = v >= 2 && v <= 4 ? req.retentionTimeMs : -1n;
    const expire = retention === -1n ? null : now + retention;
    // codes[topicIndex][partitionIndex]; undefined = sent to the coordinator
    const codes: (ErrorCode | undefined)[][] = [];
    const entries: OffsetCommitEntry[] = [];
    const slots: [number, number][] = [];
    req.topics.forEach((t, ti) => {
      const topic = cache.topic(t.name);
      codes.push(
        t.partitions.map((p, pi) => {
          if (!topic || !topic.assignment.has(p.partitionIndex)) return EC.UNKNOWN_TOPIC_OR_PARTITION;
          entries.push({
            topic: t.name,
            partition: p.partitionIndex,
            offset: p.committedOffset,
            leaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
            metadata: p.committedMetadata,
            commitTimestampMs: v === 1 ? p.commitTimestamp : -1n,
            expireTimestampMs: expire,
          });
          slots.push([ti, pi]);
          return undefined;
        }),
      );
    });
    if (entries.length > 0) {
      const results = await gc.commitOffsets(req.groupId, v >= 1 ? req.memberId : '', v >= 7 ? req.groupInstanceId : null, v >= 1 ? req.generationIdOrMemberEpoch : -1, entries);
      results.forEach((code, i) => {
        const [ti, pi] = slots[i]!;
        codes[ti]![pi] = code;
      });
    }
    return {
      ...defaultOffsetCommitResponse(),
      topics: req.topics.map((t, ti) => ({
        name: t.name,
        partitions: t.partitions.map((p, pi) => ({ partitionIndex: p.partitionIndex, errorCode: codes[ti]![pi] ?? EC.UNKNOWN_SERVER_ERROR })),
      })),
    };
  },
  errorResponse(req, code) {
    return allPartitions(req, code);
  },
});
