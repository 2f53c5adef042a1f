/**
 * Rebuilds the classic groups of one __consumer_offsets partition from its records (Kafka
 * GroupMetadataManager.doLoadGroupsAndOffsets): the last record per key wins, tombstones delete.
 * A group with members comes back Stable, without members Empty; offsets without group metadata
 * form an offsets-only group (no protocol type).
 */
import type { Clock } from '../../storage/clock';
import { ClassicGroup, CommittedOffset, tpKey } from './classic-group';
import type { RecordLog } from './coordinator-log';
import { decodeGroupMetadataValue, decodeKey, decodeOffsetCommitValue, GroupMetadataValue } from './group-records';
import { GroupState } from './group-state';
import { MemberMetadata } from './member';

export async function loadGroups(records: RecordLog, partition: number, maxBytes: number, clock: Clock): Promise<ClassicGroup[]> {
  const offsets = new Map<string, Map<string, CommittedOffset>>();
  const metadata = new Map<string, GroupMetadataValue | null>();
  await records.replay(partition, maxBytes, (r) => {
    const key = decodeKey(r.key);
    if (!key) return;
    if (key.kind === 'offset') {
      let byTp = offsets.get(key.group);
      const k = tpKey(key.topic, key.partition);
      if (r.value === null) {
        byTp?.delete(k);
        return;
      }
      if (!byTp) {
        byTp = new Map();
        offsets.set(key.group, byTp);
      }
      const v = decodeOffsetCommitValue(r.value);
      byTp.set(k, {
        topic: key.topic,
        partition: key.partition,
        offset: v.offset,
        leaderEpoch: v.leaderEpoch,
        metadata: v.metadata,
        commitTimestampMs: v.commitTimestamp,
        expireTimestampMs: v.expireTimestamp >= 0n ? v.expireTimestamp : null,
      });
    } else {
      metadata.set(key.group, r.value === null ? null : decodeGroupMetadataValue(r.value));
    }
  });

  const groups: ClassicGroup[] = [];
  const ids = new Set<string>([...metadata.keys(), ...offsets.keys()]);
  for (const id of ids) {
    const meta = metadata.get(id) ?? null;
    const groupOffsets = offsets.get(id);
    if (!meta && (!groupOffsets || groupOffsets.size === 0)) continue;
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
  return groups;
}
