/**
 * OffsetDelete: v0
 *
 * Behavior:
 * * Partitions of unknown topics: UNKNOWN_TOPIC_OR_PARTITION. The rest: removed (tombstones)
 *   unless the group is non-empty and subscribed to the topic (GROUP_SUBSCRIBED_TO_TOPIC).
 * * A group error (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP for non-consumer groups with members,
 *   coordinator errors) is the top-level errorCode with no topics.
 *
 * Version notes:
 * * v0 only.
 */
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readOffsetDeleteRequest, type OffsetDeleteRequest } from '../../protocol/generated/offset-delete-request';
import { defaultOffsetDeleteResponse, sizeOffsetDeleteResponse, writeOffsetDeleteResponse, type OffsetDeleteResponse } from '../../protocol/generated/offset-delete-response';
import { requireGroupCoordinator } from '../../coordinator/group/group-coordinator';
import type { TopicPartitionRef } from '../../coordinator/group/offset-manager';
import { defineHandler } from './define-handler';

export const offsetDeleteHandler = defineHandler<OffsetDeleteRequest, OffsetDeleteResponse>({
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  read: readOffsetDeleteRequest,
  write: writeOffsetDeleteResponse,
  size: sizeOffsetDeleteResponse,
  async handle(ctx, req) {
    const gc = requireGroupCoordinator(ctx.services.groupCoordinator);
    const cache = ctx.services.metadataCache;
    const codes = new Map<string, ErrorCode>();
    const key = (t: string, p: number) => `${t}\u0000${p}`;
    const known: TopicPartitionRef[] = [];
    for (const t of req.topics) {
      const topic = cache.topic(t.name);
      for (const p of t.partitions) {
        if (!topic || !topic.assignment.has(p.partitionIndex)) codes.set(key(t.name, p.partitionIndex), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        else known.push({ topic: t.name, partition: p.partitionIndex });
      }
    }
    const r = await gc.deleteOffsets(req.groupId, known);
    if (r.errorCode !== ErrorCode.NONE) return { ...defaultOffsetDeleteResponse(), errorCode: r.errorCode };
    for (const p of r.partitions) codes.set(key(p.topic, p.partition), p.errorCode);
    return {
      ...defaultOffsetDeleteResponse(),
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codes.get(key(t.name, p.partitionIndex)) ?? ErrorCode.NONE })),
      })),
    };
  },
  errorResponse(_req, code) {
    return { ...defaultOffsetDeleteResponse(), errorCode: code };
  },
});
