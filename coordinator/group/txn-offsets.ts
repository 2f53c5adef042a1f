/**
 * Transactional offset commits (TxnOffsetCommit, API 28), Kafka 3.9's GroupMetadataManager
 * storeOffsets with a producer id and handleTxnCompletion: the offsets are written to
 * __consumer_offsets in a transactional batch of the producer's id and epoch, kept pending per
 * producer in the group, and become visible to OffsetFetch only when the transaction's COMMIT
 * marker is written to that partition; ABORT drops them.
 *
 * Invariants:
 * - A pending entry gets its batchOffset once its record is durable; an append that fails
 *   removes the entries it added (the producer retries).
 * - COMMIT makes an entry visible only if no newer commit (higher batch offset) is visible.
 * - `producerGroups` lists, per producer id, every loaded group that may hold its pending
 *   offsets (Kafka's openGroupsForProducer); completion looks only at those.
 */
import { ErrorCode } from '../../protocol/errors';
import { ClassicGroup, CommittedOffset, PendingTxnOffset, tpKey } from './classic-group';
import type { CoordinatorRecord } from './coordinator-log';
import { encodeOffsetCommitKey, encodeOffsetCommitValue } from './group-records';
import { GroupState } from './group-state';
import { GroupRuntime, mapAppendError } from './group-runtime';
import { UNKNOWN_MEMBER_ID } from './member';
import type { OffsetCommitEntry } from './offset-manager';

export interface TxnOffsetCommitArgs {
  groupId: string;
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  /** v3+: -1 / '' / null from older clients. */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  entries: readonly OffsetCommitEntry[];
}

/**
 * Kafka's validateOffsetCommit with isTransactional: unlike a plain commit, a commit without
 * member or generation is accepted from a group that has members (older TxnOffsetCommit versions
 * carry neither), and the group state is not checked.
 */
export function validateTxnOffsetCommit(group: ClassicGroup, a: TxnOffsetCommitArgs): ErrorCode | null {
  if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (a.generationId < 0 && group.is(GroupState.Empty)) return null;
  if (a.generationId >= 0 || a.memberId !== UNKNOWN_MEMBER_ID || a.groupInstanceId !== null) {
    if (group.isStaticMemberFenced(a.groupInstanceId, a.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    if (!group.has(a.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (a.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  }
  return null;
}

export class TxnOffsetManager {
  /** producer id -> ids of the groups with pending offsets of it. */
  private readonly producerGroups = new Map<bigint, Set<string>>();

  constructor(private readonly rt: GroupRuntime) {}

  addProducerGroup(producerId: bigint, groupId: string): void {
    let s = this.producerGroups.get(producerId);
    if (!s) this.producerGroups.set(producerId, (s = new Set()));
    s.add(groupId);
  }

  private removeProducerGroup(producerId: bigint, groupId: string): void {
    const s = this.producerGroups.get(producerId);
    if (!s) return;
    s.delete(groupId);
    if (s.size === 0) this.producerGroups.delete(producerId);
  }

  /** The group left this coordinator (unloaded or deleted). */
  forgetGroup(groupId: string): void {
    for (const producerId of [...this.producerGroups.keys()]) this.removeProducerGroup(producerId, groupId);
  }

  /** Ids of the groups that may hold pending offsets of `producerId`. */
  groupsOf(producerId: bigint): string[] {
    return [...(this.producerGroups.get(producerId) ?? [])];
  }

  /** Writes the commits as a transactional batch; one error code per entry (same order). */
  async storeTxnOffsets(group: ClassicGroup, a: TxnOffsetCommitArgs): Promise<ErrorCode[]> {
    const nowMs = this.rt.clock.now();
    const maxMetadata = this.rt.config.offsetMetadataMaxBytes;
    const errors: ErrorCode[] = [];
    const staged: [string, PendingTxnOffset][] = [];
    const records: CoordinatorRecord[] = [];
    for (const e of a.entries) {
      if (e.metadata !== null && e.metadata.length > maxMetadata) {
        errors.push(ErrorCode.OFFSET_METADATA_TOO_LARGE);
        continue;
      }
      errors.push(ErrorCode.NONE);
      const o: PendingTxnOffset = {
        topic: e.topic,
        partition: e.partition,
        offset: e.offset,
        leaderEpoch: e.leaderEpoch,
        metadata: e.metadata ?? '',
        commitTimestampMs: e.commitTimestampMs < 0n ? BigInt(nowMs) : e.commitTimestampMs,
        expireTimestampMs: null,
      };
      staged.push([tpKey(o.topic, o.partition), o]);
      records.push({
        key: encodeOffsetCommitKey({ group: group.groupId, topic: o.topic, partition: o.partition }),
        value: encodeOffsetCommitValue({ offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: o.commitTimestampMs, expireTimestamp: -1n }),
      });
    }
    if (staged.length === 0) return errors;
    const { producerId, producerEpoch } = a;
    this.addProducerGroup(producerId, group.groupId);
    let pending = group.pendingTxnOffsets.get(producerId);
    if (!pending) group.pendingTxnOffsets.set(producerId, (pending = new Map()));
    for (const [k, o] of staged) pending.set(k, o);

    let failure = ErrorCode.NONE;
    let batchOffset: bigint | undefined;
    try {
      batchOffset = await this.rt.records.appendTransactional(group.coordinatorPartition, records, nowMs, { producerId, producerEpoch });
    } catch (e) {
      failure = mapAppendError(e, true);
    }
    if (!group.is(GroupState.Dead)) {
      const current = group.pendingTxnOffsets.get(producerId);
      for (const [k, o] of staged) {
        if (failure === ErrorCode.NONE) {
          // the batch offset orders it against other commits; a log that reports none: after all of them
          if (current?.get(k) === o) o.batchOffset = batchOffset ?? BigInt(Number.MAX_SAFE_INTEGER);
        } else current?.delete(k);
      }
      if (current && current.size === 0) group.pendingTxnOffsets.delete(producerId);
      if (!group.pendingTxnOffsets.has(producerId)) this.removeProducerGroup(producerId, group.groupId);
    }
    if (failure !== ErrorCode.NONE) {
      this.rt.logger.warn(`Transactional offset commit of ${a.transactionalId} (producer ${producerId}) for group ${group.groupId} failed with error ${ErrorCode[failure] ?? failure}`);
      return errors.map((e) => (e === ErrorCode.NONE ? failure : e));
    }
    return errors;
  }

  /** The producer's transaction ended (its marker is durable in the group's partition). */
  completeTxn(group: ClassicGroup, producerId: bigint, isCommit: boolean): void {
    const pending = group.pendingTxnOffsets.get(producerId);
    group.pendingTxnOffsets.delete(producerId);
    this.removeProducerGroup(producerId, group.groupId);
    if (!pending || !isCommit) return;
    for (const [k, o] of pending) {
      if (o.batchOffset === undefined) {
        // Kafka fails here (IllegalStateException): the marker cannot precede the record
        this.rt.logger.error(`Transaction of producer ${producerId} committed before its offset for ${o.topic}-${o.partition} of group ${group.groupId} was written; not applied`);
        continue;
      }
      const current = group.offsets.get(k);
      if (!current || current.batchOffset === undefined || current.batchOffset < o.batchOffset) group.offsets.set(k, o);
    }
  }
}

/** Applies a loaded COMMIT: the pending offsets replace older visible ones. */
export function applyCommittedTxnOffsets(visible: Map<string, CommittedOffset>, pending: ReadonlyMap<string, CommittedOffset>): void {
  for (const [k, o] of pending) {
    const current = visible.get(k);
    if (!current || current.batchOffset === undefined || o.batchOffset === undefined || current.batchOffset < o.batchOffset) visible.set(k, o);
  }
}
