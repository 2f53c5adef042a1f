/**
 * Committed offsets of classic groups: store (durably, then visible), fetch, remove, expire.
 * Kafka's GroupMetadataManager offset half. Offsets live in ClassicGroup.offsets; this module
 * writes the __consumer_offsets records and applies the visibility rules.
 *
 * Invariant: an offset becomes visible to OffsetFetch only after its record is durable; while a
 * commit for a partition is in flight, requireStable fetches of it get UNSTABLE_OFFSET_COMMIT.
 */
import { ErrorCode } from '../../protocol/errors';
import { CONSUMER_PROTOCOL_TYPE, ClassicGroup, CommittedOffset, tpKey } from './classic-group';
import type { CoordinatorRecord } from './coordinator-log';
import { encodeOffsetCommitKey, encodeOffsetCommitValue } from './group-records';
import { GroupState } from './group-state';
import { GroupRuntime, mapAppendError } from './group-runtime';

export interface OffsetCommitEntry {
  topic: string;
  partition: number;
  offset: bigint;
  /** -1 when the client did not send one. */
  leaderEpoch: number;
  metadata: string | null;
  /** OffsetCommit v1's explicit commit timestamp; -1 = now. */
  commitTimestampMs: bigint;
  /** now + retentionTimeMs for OffsetCommit v2-v4 with a retention time; null otherwise. */
  expireTimestampMs: bigint | null;
}

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

export interface FetchedOffset {
  topic: string;
  partition: number;
  /** -1 when nothing is committed. */
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  errorCode: ErrorCode;
}

export const INVALID_OFFSET = -1n;

export class OffsetManager {
  constructor(private readonly rt: GroupRuntime) {}

  /**
   * Encoded __consumer_offsets keys per group, by tpKey: a key depends only on (group, topic,
   * partition), and the same partitions are committed over and over. Bounded by the number of
   * partitions each live group commits; dropped with the group object.
   */
  private readonly keyCache = new WeakMap<ClassicGroup, Map<string, Buffer>>();

  private offsetKey(group: ClassicGroup, k: string, topic: string, partition: number): Buffer {
    let keys = this.keyCache.get(group);
    if (!keys) this.keyCache.set(group, (keys = new Map()));
    let key = keys.get(k);
    if (!key) keys.set(k, (key = encodeOffsetCommitKey({ group: group.groupId, topic, partition })));
    return key;
  }

  /** Writes the commits; resolves to one error code per entry (same order). */
  async storeOffsets(group: ClassicGroup, entries: readonly OffsetCommitEntry[]): Promise<ErrorCode[]> {
    const nowMs = this.rt.clock.now();
    const now = BigInt(nowMs);
    const maxMetadata = this.rt.config.offsetMetadataMaxBytes;
    const errors: ErrorCode[] = new Array<ErrorCode>(entries.length);
    const valid: CommittedOffset[] = [];
    const keys: string[] = [];
    const records: CoordinatorRecord[] = [];
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.metadata !== null && e.metadata.length > maxMetadata) {
        errors[i] = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        continue;
      }
      errors[i] = ErrorCode.NONE;
      const o: CommittedOffset = {
        topic: e.topic,
        partition: e.partition,
        offset: e.offset,
        leaderEpoch: e.leaderEpoch,
        metadata: e.metadata ?? '',
        commitTimestampMs: e.commitTimestampMs < 0n ? now : e.commitTimestampMs,
        expireTimestampMs: e.expireTimestampMs,
      };
      const k = tpKey(o.topic, o.partition);
      valid.push(o);
      keys.push(k);
      records.push({
        key: this.offsetKey(group, k, o.topic, o.partition),
        value: encodeOffsetCommitValue({ offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: o.commitTimestampMs, expireTimestamp: o.expireTimestampMs ?? -1n }),
      });
    }
    if (valid.length === 0) return errors;
    const pending = group.pendingOffsetCommits;
    for (const k of keys) pending.set(k, (pending.get(k) ?? 0) + 1);
    let failure = ErrorCode.NONE;
    let batchOffset: bigint | undefined;
    try {
      batchOffset = await this.rt.records.append(group.coordinatorPartition, records, nowMs);
    } catch (e) {
      failure = mapAppendError(e, true);
    }
    const visible = failure === ErrorCode.NONE && !group.is(GroupState.Dead);
    for (let i = 0; i < valid.length; i++) {
      const k = keys[i]!;
      const n = (pending.get(k) ?? 1) - 1;
      if (n <= 0) pending.delete(k);
      else pending.set(k, n);
      if (visible) group.offsets.set(k, batchOffset === undefined ? valid[i]! : { ...valid[i]!, batchOffset });
    }
    if (failure !== ErrorCode.NONE) {
      this.rt.logger.warn(`Offset commit for group ${group.groupId} failed with error ${failure}`);
      return errors.map((e) => (e === ErrorCode.NONE ? failure : e));
    }
    return errors;
  }

  /** Committed offsets of the partitions asked for (all of the group's when null). */
  fetch(group: ClassicGroup | undefined, requireStable: boolean, partitions: readonly TopicPartitionRef[] | null): FetchedOffset[] {
    const none = (tp: TopicPartitionRef, errorCode = ErrorCode.NONE): FetchedOffset => ({ topic: tp.topic, partition: tp.partition, offset: INVALID_OFFSET, leaderEpoch: -1, metadata: '', errorCode });
    if (!group || group.is(GroupState.Dead)) return (partitions ?? []).map((tp) => none(tp));
    const wanted = partitions ?? [...group.offsets.values()].map((o) => ({ topic: o.topic, partition: o.partition }));
    return wanted.map((tp) => {
      const k = tpKey(tp.topic, tp.partition);
      if (requireStable && group.hasPendingCommit(k)) return none(tp, ErrorCode.UNSTABLE_OFFSET_COMMIT);
      const o = group.offsets.get(k);
      if (!o) return none(tp);
      return { topic: tp.topic, partition: tp.partition, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE };
    });
  }

  /** Drops the given partitions' offsets (and pending transactional ones) from memory; returns the visible ones that existed. */
  removeOffsets(group: ClassicGroup, partitions: readonly TopicPartitionRef[]): CommittedOffset[] {
    const removed: CommittedOffset[] = [];
    for (const tp of partitions) {
      const k = tpKey(tp.topic, tp.partition);
      for (const [producerId, byTp] of group.pendingTxnOffsets) if (byTp.delete(k) && byTp.size === 0) group.pendingTxnOffsets.delete(producerId);
      const o = group.offsets.get(k);
      if (o) {
        group.offsets.delete(k);
        removed.push(o);
      }
    }
    return removed;
  }

  removeAllOffsets(group: ClassicGroup): CommittedOffset[] {
    const removed = [...group.offsets.values()];
    group.offsets.clear();
    group.pendingTxnOffsets.clear();
    return removed;
  }

  /**
   * Expires offsets (Kafka 2.1+ rules, KIP-211): an Empty group's offsets expire retention after
   * it became Empty; a Stable consumer group's offsets of topics it no longer subscribes to
   * expire retention after their commit; a group without protocol type (offsets only) expires
   * each offset retention after its commit. An explicit expire timestamp (old commits) wins.
   */
  removeExpiredOffsets(group: ClassicGroup, nowMs: bigint): CommittedOffset[] {
    const retention = BigInt(this.rt.config.offsetsRetentionMs);
    let base: ((o: CommittedOffset) => bigint) | null = null;
    let subscribed: ReadonlySet<string> = new Set();
    if (group.protocolType !== null && group.is(GroupState.Empty)) {
      const ts = group.currentStateTimestampMs;
      base = (o) => (ts !== null && ts >= 0 ? BigInt(ts) : o.commitTimestampMs);
    } else if (group.protocolType === CONSUMER_PROTOCOL_TYPE && group.subscribedTopics !== null && group.is(GroupState.Stable)) {
      base = (o) => o.commitTimestampMs;
      subscribed = group.subscribedTopics;
    } else if (group.protocolType === null) {
      base = (o) => o.commitTimestampMs;
    }
    if (base === null) return [];
    const expired: CommittedOffset[] = [];
    for (const [k, o] of group.offsets) {
      if (subscribed.has(o.topic) || group.pendingOffsetCommits.has(k)) continue;
      const isExpired = o.expireTimestampMs !== null ? nowMs >= o.expireTimestampMs : nowMs - base(o) >= retention;
      if (isExpired) expired.push(o);
    }
    for (const o of expired) group.offsets.delete(tpKey(o.topic, o.partition));
    return expired;
  }

  /** Tombstones for removed offsets. */
  tombstones(group: ClassicGroup, removed: readonly CommittedOffset[]): CoordinatorRecord[] {
    return removed.map((o) => ({ key: encodeOffsetCommitKey({ group: group.groupId, topic: o.topic, partition: o.partition }), value: null }));
  }
}
