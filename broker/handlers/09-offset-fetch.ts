/**
 * OffsetFetch: v0-9
 *
 * Behavior:
 * * Committed offsets of a group's partitions (-1 and '' when none); topics null (v2+) means
 *   every partition the group has committed.
 * * v0-1: a group error is put on every requested partition; v2-7: top-level errorCode with no
 *   topics; v8+: several groups per request, each with its own errorCode.
 * * requireStable (v7+): a partition with a commit in flight answers UNSTABLE_OFFSET_COMMIT.
 *
 * Version notes:
 * * v2: top-level errorCode, null topics = all   * v3: throttleTimeMs   * v5: committedLeaderEpoch
 * * v6: flexible   * v7: requireStable   * v8: groups[]   * v9: memberId/memberEpoch (ignored for classic groups)
 */
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readOffsetFetchRequest, type OffsetFetchRequest } from '../../protocol/generated/offset-fetch-request';
import {
  defaultOffsetFetchResponse,
  sizeOffsetFetchResponse,
  writeOffsetFetchResponse,
  type OffsetFetchResponse,
  type OffsetFetchResponseTopic,
} from '../../protocol/generated/offset-fetch-response';
import { requireGroupCoordinator } from '../../coordinator/group/group-coordinator';
import type { FetchedOffset, TopicPartitionRef } from '../../coordinator/group/offset-manager';
import { defineHandler } from './define-handler';

type Topics = { name: string; partitionIndexes: number[] }[] | null;

function refsOf(topics: Topics): TopicPartitionRef[] | null {
  if (topics === null) return null;
  return topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
}

/** Groups fetched offsets by topic, keeping first-seen order. */
function byTopic(offsets: readonly FetchedOffset[], version: number): OffsetFetchResponseTopic[] {
  const out = new Map<string, OffsetFetchResponseTopic>();
  for (const o of offsets) {
    let t = out.get(o.topic);
    if (!t) {
      t = { name: o.topic, partitions: [] };
      out.set(o.topic, t);
    }
    t.partitions.push({
      partitionIndex: o.partition,
      committedOffset: o.offset,
      committedLeaderEpoch: version >= 5 ? o.leaderEpoch : -1,
      metadata: o.metadata,
      errorCode: o.errorCode,
    });
  }
  return [...out.values()];
}

function errorOnPartitions(topics: Topics, code: ErrorCode): FetchedOffset[] {
  return (refsOf(topics) ?? []).map((tp) => ({ ...tp, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: code }));
}

export const offsetFetchHandler = defineHandler<OffsetFetchRequest, OffsetFetchResponse>({
  apiKey: ApiKey.OffsetFetch,
  minVersion: 0,
  maxVersion: 9,
  read: readOffsetFetchRequest,
  write: writeOffsetFetchResponse,
  size: sizeOffsetFetchResponse,
  handle(ctx, req) {
    const gc = requireGroupCoordinator(ctx.services.groupCoordinator);
    const v = ctx.apiVersion;
    const requireStable = v >= 7 && req.requireStable;
    if (v >= 8) {
      return {
        ...defaultOffsetFetchResponse(),
        topics: [],
        groups: req.groups.map((g) => {
          const r = gc.fetchOffsets(g.groupId, requireStable, refsOf(g.topics));
          const topics = byTopic(r.offsets, v).map((t) => ({ name: t.name, partitions: t.partitions }));
          return { groupId: g.groupId, errorCode: r.errorCode, topics: r.errorCode === ErrorCode.NONE ? topics : [] };
        }),
      };
    }
    // Below v2 a null topic list is not expressible; an empty one asks for nothing.
    const r = gc.fetchOffsets(req.groupId, requireStable, refsOf(req.topics));
    if (r.errorCode !== ErrorCode.NONE) {
      if (v < 2) return { ...defaultOffsetFetchResponse(), groups: [], topics: byTopic(errorOnPartitions(req.topics, r.errorCode), v) };
      return { ...defaultOffsetFetchResponse(), groups: [], errorCode: r.errorCode, topics: [] };
    }
    return { ...defaultOffsetFetchResponse(), groups: [], errorCode: ErrorCode.NONE, topics: byTopic(r.offsets, v) };
  },
  errorResponse(req, code, ctx) {
    const v = ctx.apiVersion;
    if (v >= 8) return { ...defaultOffsetFetchResponse(), topics: [], groups: req.groups.map((g) => ({ groupId: g.groupId, errorCode: code, topics: [] })) };
    if (v < 2) return { ...defaultOffsetFetchResponse(), groups: [], topics: byTopic(errorOnPartitions(req.topics, code), v) };
    return { ...defaultOffsetFetchResponse(), groups: [], errorCode: code, topics: [] };
  },
});
