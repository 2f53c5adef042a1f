/**
 * Rebuilds the classic groups of one __consumer_offsets partition from its records (Kafka
 * GroupMetadataManager.doLoadGroupsAndOffsets): the last record per key wins, tombstones delete.
 * A group with members comes back Stable, without members Empty; offsets without group metadata
 * form an offsets-only group (no protocol type).
 *
 * Transactional offset commits (batches with the transactional flag) are kept per producer until
 * that producer's marker: COMMIT applies them where no newer commit is visible, ABORT drops them;
 * those without a marker yet come back pending in their group (`producers` lists them), as
 * Kafka's loadGroupsAndOffsets rebuilds pendingOffsets.
 */
import type { Clock } from '../../storage/clock';
import { ClassicGroup, CommittedOffset, tpKey } from './classic-group';
import type { ReadMarker, ReadRecord, RecordLog } from './coordinator-log';
import { applyCommittedTxnOffsets } from './txn-offsets';
import { decodeGroupMetadataValue, decodeKey, decodeOffsetCommitValue, GroupMetadataValue } from './group-records';
import { GroupState } from './group-state';
import { MemberMetadata } from './member';

type OffsetsByGroup = Map<string, Map<string, CommittedOffset>>;

function offsetsOf(byGroup: OffsetsByGroup, group: string): Map<string, CommittedOffset> {
  let byTp = byGroup.get(group);
  if (!byTp) byGroup.set(group, (byTp = new Map()));
  return byTp;
}

export interface LoadedGroups {
  groups: ClassicGroup[];
  /** producer id -> ids of the groups holding its pending transactional offsets. */
  producers: Map<bigint, Set<string>>;
}

export async function loadGroupsAndPendingOffsets(records: RecordLog, partition: number, maxBytes: number, clock: Clock): Promise<LoadedGroups> {
  const offsets: OffsetsByGroup = new Map();
  /** producer id -> group -> tp -> its transactional commit not yet followed by a marker. */
  const pending = new Map<bigint, OffsetsByGroup>();
  const metadata = new Map<string, GroupMetadataValue | null>();
  const onRecord = (r: ReadRecord): void => {
    const key = decodeKey(r.key);
    if (!key) return;
    if (key.kind === 'offset') {
      let target: OffsetsByGroup = offsets;
      if (r.isTransactional) {
        let p = pending.get(r.producerId);
        if (!p) pending.set(r.producerId, (p = new Map()));
        target = p;
      }
      const k = tpKey(key.topic, key.partition);
      if (r.value === null) {
        target.get(key.group)?.delete(k);
        return;
      }
      const v = decodeOffsetCommitValue(r.value);
      offsetsOf(target, key.group).set(k, {
        topic: key.topic,
        partition: key.partition,
        offset: v.offset,
        leaderEpoch: v.leaderEpoch,
        metadata: v.metadata,
        commitTimestampMs: v.commitTimestamp,
        expireTimestampMs: v.expireTimestamp >= 0n ? v.expireTimestamp : null,
        batchOffset: r.offset,
      });
    } else {
      metadata.set(key.group, r.value === null ? null : decodeGroupMetadataValue(r.value));
    }
  };
  const onMarker = (m: ReadMarker): void => {
    const byGroup = pending.get(m.producerId);
    pending.delete(m.producerId);
    if (!byGroup || !m.isCommit) return;
    for (const [group, byTp] of byGroup) applyCommittedTxnOffsets(offsetsOf(offsets, group), byTp);
  };
  await records.replay(partition, maxBytes, onRecord, onMarker);

  const pendingIds = new Set<string>();
  for (const byGroup of pending.values()) for (const [g, byTp] of byGroup) if (byTp.size > 0) pendingIds.add(g);
  const groups: ClassicGroup[] = [];
  const ids = new Set<string>([...metadata.keys(), ...offsets.keys(), ...pendingIds]);
  for (const id of ids) {
    const meta = metadata.get(id) ?? null;
    const groupOffsets = offsets.get(id);
    if (!meta && (!groupOffsets || groupOffsets.size === 0) && !pendingIds.has(id)) continue;
    const group = new ClassicGroup(id, partition, clock);
    if (meta) {
      group.generationId = meta.generation;
      group.protocolType = meta.protocolType.length > 0 ? meta.protocolType : null;
      group.protocolName = meta.protocol;
      group.currentStateTimestampMs = meta.currentStateTimestamp >= 0n ? Number(meta.currentStateTimestamp) : null;
      for (const m of meta.members) {
        const protocols = meta.protocol === null ? [] : [{ name: meta.protocol, metadata: m.subscription }];
        const member = new MemberMetadata(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.rebalanceTimeout, m.sessionTimeout, group.protocolType ?? '', protocols);
        member.assignment = m.assignment;
        group.add(member);
      }
      group.leaderId = meta.leader !== null && group.has(meta.leader) ? meta.leader : (group.members.keys().next().value ?? null);
      group.restoreState(group.size > 0 ? GroupState.Stable : GroupState.Empty);
      group.subscribedTopics = group.computeSubscribedTopics();
    }
    if (groupOffsets) for (const [k, o] of groupOffsets) group.offsets.set(k, o);
    groups.push(group);
  }
  const byId = new Map(groups.map((g) => [g.groupId, g]));
  const producers = new Map<bigint, Set<string>>();
  for (const [producerId, byGroup] of pending) {
    for (const [id, byTp] of byGroup) {
      const group = byId.get(id);
      if (!group || byTp.size === 0) continue;
      group.pendingTxnOffsets.set(producerId, new Map(byTp));
      let s = producers.get(producerId);
      if (!s) producers.set(producerId, (s = new Set()));
      s.add(id);
    }
  }
  return { groups, producers };
}
