import { ErrorCode } from '../../../protocol/errors';
import { GroupState } from '../../../coordinator/group/group-state';
import { makeContext, probe, SUB } from './context';

describe('Coordinator > Group > JoinGroup', () => {
  test('v4+ dynamic member: MEMBER_ID_REQUIRED, then joins, becomes leader, syncs to Stable; metadata record written', async () => {
    const c = await makeContext();
    const first = await c.gc.joinGroup(c.joinArgs({ requireKnownMemberId: true }));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^client-[0-9a-f-]{36}$/);
    expect(c.gc.group('g')!.state).toBe(GroupState.Empty);
    const p = probe(c.gc.joinGroup(c.joinArgs({ memberId: first.memberId, requireKnownMemberId: true })));
    await c.tick(0);
    expect(p.done()).toBe(true);
    const j = p.value();
    expect(j).toMatchObject({ errorCode: 0, memberId: first.memberId, generationId: 1, protocolType: 'consumer', protocolName: 'range', leaderId: first.memberId });
    expect(j.members).toEqual([{ memberId: first.memberId, groupInstanceId: null, metadata: SUB }]);
    expect(c.gc.group('g')!.state).toBe(GroupState.CompletingRebalance);
    expect(c.records()).toHaveLength(0);
    const s = await c.gc.syncGroup({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: j.memberId, assignment: Buffer.from('A') }] });
    expect(s).toEqual({ errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: Buffer.from('A') });
    expect(c.gc.group('g')!.state).toBe(GroupState.Stable);
    const recs = c.records();
    expect(recs).toHaveLength(1);
    expect(recs[0]!.key).toEqual({ kind: 'group', group: 'g' });
    expect(recs[0]!.group).toMatchObject({ protocolType: 'consumer', generation: 1, protocol: 'range', leader: j.memberId });
    expect(recs[0]!.group!.members).toEqual([
      { memberId: j.memberId, groupInstanceId: null, clientId: 'client', clientHost: '/127.0.0.1', rebalanceTimeout: 60000, sessionTimeout: 10000, subscription: SUB, assignment: Buffer.from('A') },
    ]);
  });

  test('validation errors: INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT, UNKNOWN_MEMBER_ID, INCONSISTENT_GROUP_PROTOCOL', async () => {
    const c = await makeContext();
    expect((await c.gc.joinGroup(c.joinArgs({ groupId: '' }))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await c.gc.joinGroup(c.joinArgs({ sessionTimeoutMs: 5999 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await c.gc.joinGroup(c.joinArgs({ sessionTimeoutMs: 1800001 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await c.gc.joinGroup(c.joinArgs({ memberId: 'ghost' }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await c.gc.joinGroup(c.joinArgs({ protocols: [] }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(c.gc.group('g')).toBeUndefined(); // the refused first join leaves no empty group behind
    expect(c.gc.listGroups().groups).toEqual([]);
    await c.joinAlone();
    const other = await c.gc.joinGroup(c.joinArgs({ protocolType: 'connect' }));
    expect(other).toMatchObject({ errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL, memberId: '', generationId: -1, protocolName: null });
    const noCommon = await c.gc.joinGroup(c.joinArgs({ protocols: [{ name: 'roundrobin', metadata: SUB }] }));
    expect(noCommon.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  test('a second member triggers a rebalance: heartbeat says REBALANCE_IN_PROGRESS until both rejoin', async () => {
    const c = await makeContext();
    const { join: a } = await c.joinAlone();
    const pb = probe(c.gc.joinGroup(c.joinArgs({ clientId: 'b' })));
    await c.tick(0);
    expect(pb.done()).toBe(false);
    expect(c.gc.group('g')!.state).toBe(GroupState.PreparingRebalance);
    expect(c.gc.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect((await c.gc.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const pa = probe(c.gc.joinGroup(c.joinArgs({ memberId: a.memberId })));
    await c.tick(0);
    expect(pa.done() && pb.done()).toBe(true);
    expect(pa.value()).toMatchObject({ generationId: 2, leaderId: a.memberId });
    expect(pa.value().members.map((m) => m.memberId).sort()).toEqual([a.memberId, pb.value().memberId].sort());
    expect(pb.value()).toMatchObject({ errorCode: 0, generationId: 2, leaderId: a.memberId, members: [] });
    // The follower's sync waits for the leader's.
    const sb = probe(c.gc.syncGroup({ groupId: 'g', generationId: 2, memberId: pb.value().memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] }));
    await c.tick(0);
    expect(sb.done()).toBe(false);
    expect(c.gc.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null })).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(c.gc.heartbeat({ groupId: 'g', generationId: 2, memberId: a.memberId, groupInstanceId: null })).toBe(ErrorCode.NONE);
    const sa = await c.gc.syncGroup({ groupId: 'g', generationId: 2, memberId: a.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: a.memberId, assignment: Buffer.from('x') }] });
    await c.tick(0);
    expect(sa.assignment).toEqual(Buffer.from('x'));
    expect(sb.value()).toMatchObject({ errorCode: 0, assignment: Buffer.alloc(0) }); // left out by the leader: empty
    expect(c.gc.group('g')!.state).toBe(GroupState.Stable);
    expect(c.records().map((r) => r.group!.generation)).toEqual([1, 2]);
  });

  test('rebalance timeout drops a dynamic member that does not rejoin', async () => {
    const c = await makeContext();
    const { join: a } = await c.joinAlone({ rebalanceTimeoutMs: 30000, sessionTimeoutMs: 60000 });
    const pb = probe(c.gc.joinGroup(c.joinArgs({ clientId: 'b', rebalanceTimeoutMs: 20000 })));
    await c.tick(0);
    await c.tick(29999);
    expect(pb.done()).toBe(false);
    await c.tick(1);
    expect(pb.value()).toMatchObject({ errorCode: 0, generationId: 2 });
    expect(pb.value().leaderId).toBe(pb.value().memberId); // the old leader did not rejoin
    expect(c.gc.group('g')!.has(a.memberId)).toBe(false);
  });

  test('session timeout removes a silent member and rebalances the rest', async () => {
    const c = await makeContext();
    const { join: a } = await c.joinAlone({ sessionTimeoutMs: 10000 });
    await c.tick(9000);
    expect(c.gc.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null })).toBe(ErrorCode.NONE);
    await c.tick(9999);
    expect(c.gc.group('g')!.state).toBe(GroupState.Stable);
    await c.tick(1);
    // Last member gone: PreparingRebalance completes at once into Empty, generation 2, stored.
    expect(c.gc.group('g')!.state).toBe(GroupState.Empty);
    expect(c.gc.group('g')!.generationId).toBe(2);
    expect(c.gc.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const last = c.records().at(-1)!;
    expect(last.group).toMatchObject({ generation: 2, protocol: null, leader: null, members: [] });
  });

  test('pending MEMBER_ID_REQUIRED members expire after the session timeout', async () => {
    const c = await makeContext();
    const first = await c.gc.joinGroup(c.joinArgs({ requireKnownMemberId: true }));
    await c.tick(10000);
    expect((await c.gc.joinGroup(c.joinArgs({ memberId: first.memberId }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('LeaveGroup: member leaves, group rebalances; unknown and batched members', async () => {
    const c = await makeContext();
    const { join: a } = await c.joinAlone();
    const res = c.gc.leaveGroup('g', [
      { memberId: a.memberId, groupInstanceId: null, reason: 'bye' },
      { memberId: 'nobody', groupInstanceId: null, reason: null },
    ]);
    expect(res).toEqual({ errorCode: 0, members: [
      { memberId: a.memberId, groupInstanceId: null, errorCode: 0 },
      { memberId: 'nobody', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
    ] });
    expect(c.gc.group('g')!.state).toBe(GroupState.Empty);
    expect(c.gc.leaveGroup('missing', [{ memberId: 'x', groupInstanceId: null, reason: null }]).members[0]!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('a member leaving while its SyncGroup is parked gets UNKNOWN_MEMBER_ID; the others REBALANCE_IN_PROGRESS', async () => {
    const c = await makeContext();
    const pa = probe(c.gc.joinGroup(c.joinArgs()));
    const pb = probe(c.gc.joinGroup(c.joinArgs({ clientId: 'b' })));
    await c.tick(0);
    const leader = pa.value().leaderId;
    const follower = [pa.value().memberId, pb.value().memberId].find((m) => m !== leader)!;
    const sync = (memberId: string) => probe(c.gc.syncGroup({ groupId: 'g', generationId: 1, memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }));
    const sf = sync(follower);
    await c.tick(0);
    expect(sf.done()).toBe(false);
    c.gc.leaveGroup('g', [{ memberId: follower, groupInstanceId: null, reason: null }]);
    await c.tick(0);
    expect(sf.value().errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(c.gc.group('g')!.state).toBe(GroupState.PreparingRebalance);
  });

  test('group.max.size: GROUP_MAX_SIZE_REACHED for a new member of a full group', async () => {
    const c = await makeContext({ groupMaxSize: 1 });
    await c.joinAlone();
    const r = await c.gc.joinGroup(c.joinArgs({ clientId: 'b' }));
    expect(r).toMatchObject({ errorCode: ErrorCode.GROUP_MAX_SIZE_REACHED, memberId: '' });
    expect(c.gc.group('g')!.state).toBe(GroupState.Stable);
  });

  test('group.initial.rebalance.delay.ms delays the first join and is extended by new members', async () => {
    const c = await makeContext({ groupInitialRebalanceDelayMs: 3000 });
    const pa = probe(c.gc.joinGroup(c.joinArgs({ rebalanceTimeoutMs: 10000 })));
    await c.tick(2000);
    const pb = probe(c.gc.joinGroup(c.joinArgs({ clientId: 'b', rebalanceTimeoutMs: 10000 })));
    await c.tick(1000); // first delay over, but a member joined: extend by another 3000
    expect(pa.done()).toBe(false);
    await c.tick(2999);
    expect(pa.done()).toBe(false);
    await c.tick(1);
    expect(pa.done() && pb.done()).toBe(true);
    expect(pa.value().generationId).toBe(1);
    expect(pb.value().generationId).toBe(1);
  });

  test('pending sync timeout: a follower that never sends SyncGroup is removed and the group rebalances', async () => {
    const c = await makeContext();
    const pa = probe(c.gc.joinGroup(c.joinArgs({ rebalanceTimeoutMs: 20000 })));
    const pb = probe(c.gc.joinGroup(c.joinArgs({ clientId: 'b', rebalanceTimeoutMs: 20000 })));
    await c.tick(0);
    const a = pa.value();
    const leader = a.leaderId;
    const follower = [a.memberId, pb.value().memberId].find((m) => m !== leader)!;
    await c.gc.syncGroup({ groupId: 'g', generationId: 1, memberId: leader, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect(c.gc.group('g')!.state).toBe(GroupState.Stable);
    await c.tick(9000);
    expect(c.gc.heartbeat({ groupId: 'g', generationId: 1, memberId: leader, groupInstanceId: null })).toBe(ErrorCode.NONE);
    expect(c.gc.heartbeat({ groupId: 'g', generationId: 1, memberId: follower, groupInstanceId: null })).toBe(ErrorCode.NONE);
    await c.tick(9000);
    expect(c.gc.heartbeat({ groupId: 'g', generationId: 1, memberId: leader, groupInstanceId: null })).toBe(ErrorCode.NONE);
    expect(c.gc.heartbeat({ groupId: 'g', generationId: 1, memberId: follower, groupInstanceId: null })).toBe(ErrorCode.NONE);
    expect(c.gc.group('g')!.has(follower)).toBe(true);
    await c.tick(2000);
    expect(c.gc.group('g')!.has(follower)).toBe(false);
    expect(c.gc.group('g')!.state).toBe(GroupState.PreparingRebalance);
  });

  test('a rejoin with unchanged metadata in CompletingRebalance returns the current generation', async () => {
    const c = await makeContext();
    const j = await (async () => { const p = c.gc.joinGroup(c.joinArgs()); await c.tick(0); return p; })();
    const again = await c.gc.joinGroup(c.joinArgs({ memberId: j.memberId }));
    expect(again).toMatchObject({ errorCode: 0, generationId: 1, leaderId: j.memberId });
    expect(again.members).toHaveLength(1);
    expect(c.gc.group('g')!.state).toBe(GroupState.CompletingRebalance);
  });

  test('SyncGroup errors: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, INCONSISTENT_GROUP_PROTOCOL', async () => {
    const c = await makeContext();
    const { join: a } = await c.joinAlone();
    const base = { groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] };
    expect((await c.gc.syncGroup({ ...base, memberId: 'x' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await c.gc.syncGroup({ ...base, generationId: 5 })).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await c.gc.syncGroup({ ...base, protocolName: 'roundrobin' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.gc.syncGroup({ ...base, groupId: 'nope' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await c.gc.syncGroup(base)).toMatchObject({ errorCode: 0, assignment: Buffer.from('A1') });
  });

  test('a failed metadata write during SyncGroup propagates the mapped error and rebalances', async () => {
    const c = await makeContext();
    const p = c.gc.joinGroup(c.joinArgs());
    await c.tick(0);
    const j = await p;
    c.log.failWith = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const s = await c.gc.syncGroup({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect(s.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(c.gc.group('g')!.state).toBe(GroupState.PreparingRebalance);
  });
});
