import { ErrorCode } from '../../../protocol/errors';
import { GroupState } from '../../../coordinator/group/group-state';
import { makeContext, probe } from './context';

async function twoStaticMembers() {
  const c = await makeContext();
  const pa = probe(c.gc.joinGroup(c.joinArgs({ groupInstanceId: 'ia', clientId: 'a', sessionTimeoutMs: 120000 })));
  const pb = probe(c.gc.joinGroup(c.joinArgs({ groupInstanceId: 'ib', clientId: 'b', sessionTimeoutMs: 120000 })));
  await c.tick(0);
  const a = pa.value();
  const b = pb.value();
  const leader = a.leaderId;
  const ids = { ia: a.memberId, ib: b.memberId };
  expect(ids.ia).toMatch(/^ia-/); // static member ids are prefixed with the instance id
  const sl = probe(c.gc.syncGroup({ groupId: 'g', generationId: 1, memberId: ids.ib, groupInstanceId: 'ib', protocolType: null, protocolName: null, assignments: [] }));
  await c.gc.syncGroup({ groupId: 'g', generationId: 1, memberId: ids.ia, groupInstanceId: 'ia', protocolType: null, protocolName: null, assignments: [{ memberId: ids.ia, assignment: Buffer.from('PA') }, { memberId: ids.ib, assignment: Buffer.from('PB') }] });
  await c.tick(0);
  expect(sl.value().assignment).toEqual(Buffer.from('PB'));
  expect(leader).toBe(ids.ia);
  return { c, ids };
}

describe('Coordinator > Group > static membership (KIP-345)', () => {
  test('a restarted static follower rejoins without a rebalance and keeps its assignment; the old id is fenced', async () => {
    const { c, ids } = await twoStaticMembers();
    const recordsBefore = c.records().length;
    const again = await c.gc.joinGroup(c.joinArgs({ groupInstanceId: 'ib', clientId: 'b' }));
    await c.tick(0);
    expect(again).toMatchObject({ errorCode: 0, generationId: 1, leaderId: ids.ia, skipAssignment: false, members: [] });
    expect(again.memberId).not.toBe(ids.ib);
    expect(c.gc.group('g')!.state).toBe(GroupState.Stable);
    const s = await c.gc.syncGroup({ groupId: 'g', generationId: 1, memberId: again.memberId, groupInstanceId: 'ib', protocolType: null, protocolName: null, assignments: [] });
    expect(s.assignment).toEqual(Buffer.from('PB'));
    // The other member saw no rebalance.
    expect(c.gc.heartbeat({ groupId: 'g', generationId: 1, memberId: ids.ia, groupInstanceId: 'ia' })).toBe(ErrorCode.NONE);
    // The old incarnation is fenced everywhere.
    expect(c.gc.heartbeat({ groupId: 'g', generationId: 1, memberId: ids.ib, groupInstanceId: 'ib' })).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(await c.gc.commitOffsets('g', ids.ib, 'ib', 1, [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '', commitTimestampMs: -1n, expireTimestampMs: null }])).toEqual([ErrorCode.FENCED_INSTANCE_ID]);
    expect(c.gc.leaveGroup('g', [{ memberId: ids.ib, groupInstanceId: 'ib', reason: null }]).members[0]!.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    // The new member id was persisted with the existing assignments.
    const recs = c.records();
    expect(recs.length).toBe(recordsBefore + 1);
    const stored = recs.at(-1)!.group!;
    expect(stored.members.find((m) => m.groupInstanceId === 'ib')).toMatchObject({ memberId: again.memberId, assignment: Buffer.from('PB') });
  });

  test('JoinGroup v9+: a restarted static leader is told it leads but may skip the assignment', async () => {
    const { c, ids } = await twoStaticMembers();
    const again = await c.gc.joinGroup(c.joinArgs({ groupInstanceId: 'ia', clientId: 'a', supportSkippingAssignment: true }));
    expect(again).toMatchObject({ errorCode: 0, generationId: 1, leaderId: again.memberId, skipAssignment: true });
    expect(again.members.map((m) => m.groupInstanceId).sort()).toEqual(['ia', 'ib']);
    expect(c.gc.group('g')!.state).toBe(GroupState.Stable);
    expect(again.memberId).not.toBe(ids.ia);
  });

  test('before v9 a restarted static leader gets the old leader id (so it does not reassign)', async () => {
    const { c, ids } = await twoStaticMembers();
    const again = await c.gc.joinGroup(c.joinArgs({ groupInstanceId: 'ia', clientId: 'a' }));
    expect(again).toMatchObject({ errorCode: 0, leaderId: ids.ia, skipAssignment: false, members: [] });
  });

  test('a duplicate instance parked in JoinGroup is fenced when another incarnation joins', async () => {
    const { c, ids } = await twoStaticMembers();
    // ib rejoins with its id: as follower with same metadata in Stable it gets the generation back
    const pa = probe(c.gc.joinGroup(c.joinArgs({ memberId: ids.ia, groupInstanceId: 'ia', clientId: 'a' }))); // leader rejoin -> rebalance
    await c.tick(0);
    expect(c.gc.group('g')!.state).toBe(GroupState.PreparingRebalance);
    const dup = probe(c.gc.joinGroup(c.joinArgs({ groupInstanceId: 'ia', clientId: 'a2' })));
    await c.tick(0);
    expect(pa.value().errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(dup.done()).toBe(false);
    // ib must rejoin too before the generation completes
    const pb = probe(c.gc.joinGroup(c.joinArgs({ memberId: ids.ib, groupInstanceId: 'ib', clientId: 'b' })));
    await c.tick(0);
    expect(pb.value()).toMatchObject({ errorCode: 0, generationId: 2 });
    expect(dup.value()).toMatchObject({ errorCode: 0, generationId: 2 });
    expect(dup.value().memberId).toMatch(/^ia-/);
    expect(dup.value().memberId).not.toBe(ids.ia);
  });

  test('a static member that does not rejoin within the rebalance timeout is kept; admin LeaveGroup by instance id removes it', async () => {
    const { c, ids } = await twoStaticMembers();
    const pa = probe(c.gc.joinGroup(c.joinArgs({ memberId: ids.ia, groupInstanceId: 'ia', clientId: 'a', rebalanceTimeoutMs: 5000, sessionTimeoutMs: 120000 })));
    await c.tick(0);
    expect(pa.done()).toBe(false);
    await c.tick(59999); // the group's rebalance timeout is the members' maximum (60000)
    expect(pa.done()).toBe(false);
    await c.tick(1);
    expect(pa.value()).toMatchObject({ errorCode: 0, generationId: 2 });
    expect(c.gc.group('g')!.currentStaticMemberId('ib')).toBe(ids.ib);
    const r = c.gc.leaveGroup('g', [{ memberId: '', groupInstanceId: 'ib', reason: 'admin' }, { memberId: '', groupInstanceId: 'zz', reason: null }]);
    expect(r.members.map((m) => m.errorCode)).toEqual([0, ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(c.gc.group('g')!.currentStaticMemberId('ib')).toBeUndefined();
  });
});
