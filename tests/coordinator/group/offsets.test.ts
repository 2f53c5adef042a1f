import { CompressionType, RecordBatchView } from '../../../protocol/records/record-batch';
import { ErrorCode, KafkaError } from '../../../protocol/errors';
import { GroupState } from '../../../coordinator/group/group-state';
import { OffsetCommitEntry } from '../../../coordinator/group/offset-manager';
import { CoordinatorLog, MemoryCoordinatorLog } from '../../../coordinator/group/coordinator-log';
import { GroupCoordinator } from '../../../coordinator/group/group-coordinator';
import { encodeSubscription } from '../../../coordinator/group/consumer-protocol';
import { makeContext, probe } from './context';
import { FakeClock, flush } from './fake-clock';

const entry = (topic: string, partition: number, offset: bigint, metadata: string | null = 'meta'): OffsetCommitEntry => ({
  topic, partition, offset, leaderEpoch: 3, metadata, commitTimestampMs: -1n, expireTimestampMs: null,
});

describe('Coordinator > Group > offsets', () => {
  test('simple (generation -1) commits are stored, written as key v1/value v3, and fetched', async () => {
    const c = await makeContext();
    const errs = await c.gc.commitOffsets('simple', '', null, -1, [entry('t', 0, 10n), entry('t', 1, 20n, null)]);
    expect(errs).toEqual([0, 0]);
    const recs = c.records();
    expect(recs.map((r) => r.key)).toEqual([
      { kind: 'offset', group: 'simple', topic: 't', partition: 0 },
      { kind: 'offset', group: 'simple', topic: 't', partition: 1 },
    ]);
    expect(recs[0]!.offset).toEqual({ offset: 10n, leaderEpoch: 3, metadata: 'meta', commitTimestamp: BigInt(c.clock.now()), expireTimestamp: -1n });
    expect(recs[1]!.offset!.metadata).toBe('');
    const f = c.gc.fetchOffsets('simple', false, [{ topic: 't', partition: 0 }, { topic: 't', partition: 9 }]);
    expect(f.errorCode).toBe(0);
    expect(f.offsets).toEqual([
      { topic: 't', partition: 0, offset: 10n, leaderEpoch: 3, metadata: 'meta', errorCode: 0 },
      { topic: 't', partition: 9, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: 0 },
    ]);
    expect(c.gc.fetchOffsets('simple', false, null).offsets.map((o) => o.offset)).toEqual([10n, 20n]);
    expect(c.gc.fetchOffsets('unknown', false, [{ topic: 't', partition: 0 }]).offsets[0]!.offset).toBe(-1n);
    expect(c.gc.group('simple')!.state).toBe(GroupState.Empty);
  });

  test('offsets.topic.compression.codec: batches are written with that codec (and read back)', async () => {
    for (const [codec, type] of [[0, CompressionType.None], [1, CompressionType.Gzip], [4, CompressionType.Zstd]] as const) {
      const c = await makeContext({ offsetsTopicCompressionCodec: codec });
      expect(await c.gc.commitOffsets('g', '', null, -1, [entry('t', 0, 10n)])).toEqual([0]);
      const stored = await c.log.read(0, 0n, 1 << 20);
      expect(new RecordBatchView(stored).compression).toBe(type);
      expect(c.records()[0]!.offset!.offset).toBe(10n);
    }
  });

  test('commit validation: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, OFFSET_METADATA_TOO_LARGE', async () => {
    const c = await makeContext({ offsetMetadataMaxBytes: 4 });
    expect(await c.gc.commitOffsets('nogroup', 'm', null, 3, [entry('t', 0, 1n, '')])).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    const p = c.gc.joinGroup(c.joinArgs());
    await c.tick(0);
    const j = await p;
    expect(await c.gc.commitOffsets('g', j.memberId, null, 1, [entry('t', 0, 1n, '')])).toEqual([ErrorCode.REBALANCE_IN_PROGRESS]);
    await c.gc.syncGroup({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect(await c.gc.commitOffsets('g', 'other', null, 1, [entry('t', 0, 1n, '')])).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await c.gc.commitOffsets('g', '', null, -1, [entry('t', 0, 1n, '')])).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await c.gc.commitOffsets('g', j.memberId, null, 2, [entry('t', 0, 1n, '')])).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(await c.gc.commitOffsets('g', j.memberId, null, 1, [entry('t', 0, 5n, 'toolong'), entry('t', 1, 6n, 'ok')])).toEqual([ErrorCode.OFFSET_METADATA_TOO_LARGE, 0]);
    expect(c.records().filter((r) => r.key.kind === 'offset')).toHaveLength(1);
    expect(c.gc.fetchOffsets('g', false, null).offsets.map((o) => [o.partition, o.offset])).toEqual([[1, 6n]]);
  });

  test('append failures map to NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE / INVALID_COMMIT_OFFSET_SIZE and nothing becomes visible', async () => {
    const c = await makeContext();
    for (const [err, want] of [
      [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_COORDINATOR],
      [ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      [ErrorCode.REQUEST_TIMED_OUT, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      [ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.INVALID_COMMIT_OFFSET_SIZE],
    ] as const) {
      c.log.failWith = err;
      expect(await c.gc.commitOffsets('s', '', null, -1, [entry('t', 0, 1n)])).toEqual([want]);
    }
    expect(c.gc.fetchOffsets('s', false, null).offsets).toEqual([]);
  });

  test('requireStable: UNSTABLE_OFFSET_COMMIT while a commit for the partition is in flight', async () => {
    const clock = new FakeClock();
    const mem = new MemoryCoordinatorLog();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const slow: CoordinatorLog = {
      append: async (p, b) => { await gate; return mem.append(p, b); },
      read: (p, o, m) => mem.read(p, o, m),
      startOffset: (p) => mem.startOffset(p),
      endOffset: (p) => mem.endOffset(p),
    };
    const gc = new GroupCoordinator({ log: slow, clock, config: { offsetsTopicNumPartitions: 1 } });
    gc.startup();
    await gc.onElection(0, 0);
    const pending = probe(gc.commitOffsets('s', '', null, -1, [entry('t', 0, 7n)]));
    await flush();
    expect(pending.done()).toBe(false);
    expect(gc.fetchOffsets('s', true, [{ topic: 't', partition: 0 }]).offsets[0]!.errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    expect(gc.fetchOffsets('s', false, [{ topic: 't', partition: 0 }]).offsets[0]).toMatchObject({ errorCode: 0, offset: -1n });
    release();
    await flush();
    expect(pending.value()).toEqual([0]);
    expect(gc.fetchOffsets('s', true, [{ topic: 't', partition: 0 }]).offsets[0]).toMatchObject({ errorCode: 0, offset: 7n });
  });

  test('offsets of an Empty group expire offsets.retention after it became Empty; tombstones are written', async () => {
    const c = await makeContext({ offsetsRetentionMs: 60000, offsetsRetentionCheckIntervalMs: 10000 });
    const { join } = await c.joinAlone();
    expect(await c.gc.commitOffsets('g', join.memberId, null, 1, [entry('t', 0, 5n)])).toEqual([0]);
    c.gc.leaveGroup('g', [{ memberId: join.memberId, groupInstanceId: null, reason: null }]);
    await c.tick(0);
    expect(c.gc.group('g')!.state).toBe(GroupState.Empty);
    await c.tick(50000);
    expect(c.gc.fetchOffsets('g', false, null).offsets).toHaveLength(1);
    await c.tick(10000);
    expect(c.gc.group('g')).toBeUndefined();
    expect(c.gc.fetchOffsets('g', false, null).offsets).toHaveLength(0);
    const tail = c.records().slice(-2);
    expect(tail).toEqual([
      { key: { kind: 'offset', group: 'g', topic: 't', partition: 0 }, offset: null },
      { key: { kind: 'group', group: 'g' }, group: null },
    ]);
  });

  test('offsets of a Stable group never expire while subscribed; simple-group offsets expire per commit', async () => {
    const c = await makeContext({ offsetsRetentionMs: 60000, offsetsRetentionCheckIntervalMs: 10000 });
    const { join } = await c.joinAlone({ sessionTimeoutMs: 600000 });
    await c.gc.commitOffsets('g', join.memberId, null, 1, [entry('orders', 0, 5n), entry('other', 0, 1n)]);
    await c.gc.commitOffsets('s', '', null, -1, [entry('x', 0, 5n)]);
    await c.tick(70000);
    expect(c.gc.fetchOffsets('g', false, null).offsets.map((o) => o.topic)).toEqual(['orders']);
    expect(c.gc.group('s')).toBeUndefined();
  });

  test('DeleteGroups: NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, NONE with tombstones', async () => {
    const c = await makeContext();
    await c.joinAlone();
    await c.gc.commitOffsets('s', '', null, -1, [entry('t', 0, 1n)]);
    const res = await c.gc.deleteGroups(['g', 'nope', 's']);
    expect(res).toEqual([
      { groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'nope', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
      { groupId: 's', errorCode: 0 },
    ]);
    expect(c.gc.group('s')).toBeUndefined();
    // generation 0 (offsets-only) groups get no group tombstone, only offset tombstones
    expect(c.records().at(-1)).toEqual({ key: { kind: 'offset', group: 's', topic: 't', partition: 0 }, offset: null });
  });

  test('OffsetDelete: GROUP_SUBSCRIBED_TO_TOPIC for consumed topics, NONE otherwise; GROUP_ID_NOT_FOUND', async () => {
    const c = await makeContext();
    const { join } = await c.joinAlone({ protocols: [{ name: 'range', metadata: encodeSubscription(['orders']) }] });
    await c.gc.commitOffsets('g', join.memberId, null, 1, [entry('orders', 0, 5n), entry('old', 0, 1n)]);
    const r = await c.gc.deleteOffsets('g', [{ topic: 'orders', partition: 0 }, { topic: 'old', partition: 0 }]);
    expect(r).toEqual({ errorCode: 0, partitions: [
      { topic: 'orders', partition: 0, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC },
      { topic: 'old', partition: 0, errorCode: 0 },
    ] });
    expect(c.gc.fetchOffsets('g', false, null).offsets.map((o) => o.topic)).toEqual(['orders']);
    expect(c.records().at(-1)).toEqual({ key: { kind: 'offset', group: 'g', topic: 'old', partition: 0 }, offset: null });
    expect((await c.gc.deleteOffsets('nope', [{ topic: 'x', partition: 0 }])).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });

  test('describe and list groups', async () => {
    const c = await makeContext();
    const { join } = await c.joinAlone();
    await c.gc.commitOffsets('s', '', null, -1, [entry('t', 0, 1n)]);
    const d = c.gc.describeGroup('g');
    expect(d).toMatchObject({ errorCode: 0, state: 'Stable', protocolType: 'consumer', protocol: 'range' });
    expect(d.members).toEqual([{ memberId: join.memberId, groupInstanceId: null, clientId: 'client', clientHost: '/127.0.0.1', metadata: c.joinArgs().protocols[0]!.metadata, assignment: Buffer.from('A1') }]);
    expect(c.gc.describeGroup('zzz')).toMatchObject({ errorCode: 0, state: 'Dead', members: [] });
    expect(c.gc.listGroups().groups.map((g) => [g.groupId, g.state, g.protocolType]).sort()).toEqual([['g', 'Stable', 'consumer'], ['s', 'Empty', '']]);
    expect(c.gc.listGroups(['empty']).groups.map((g) => g.groupId)).toEqual(['s']);
    expect(c.gc.listGroups([], ['consumer']).groups).toEqual([]);
    expect(c.gc.listGroups([], ['Classic']).groups).toHaveLength(2);
  });
});

describe('Coordinator > Group > loading and ownership', () => {
  test('NOT_COORDINATOR for partitions not led here, COORDINATOR_LOAD_IN_PROGRESS while loading', async () => {
    const clock = new FakeClock();
    const mem = new MemoryCoordinatorLog();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const slow: CoordinatorLog = { ...mem, append: mem.append.bind(mem), read: mem.read.bind(mem), startOffset: mem.startOffset.bind(mem), endOffset: async (p) => { await gate; return mem.endOffset(p); } };
    const gc = new GroupCoordinator({ log: slow, clock, config: { offsetsTopicNumPartitions: 1 } });
    expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null })).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    gc.startup();
    expect(gc.fetchOffsets('g', false, null).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    const loading = gc.onElection(0, 1);
    expect(gc.fetchOffsets('g', false, null).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null })).toBe(ErrorCode.NONE);
    expect((await gc.syncGroup({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(gc.listGroups().errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    release();
    await loading;
    expect(gc.fetchOffsets('g', false, null).errorCode).toBe(0);
    gc.onResignation(0);
    expect(gc.fetchOffsets('g', false, null).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });

  test('a failed load answers COORDINATOR_NOT_AVAILABLE and is retried by the next request', async () => {
    const mem = new MemoryCoordinatorLog();
    await mem.append(0, (await import('../../../protocol/records/record')).buildRecordBatch({ records: [{ key: Buffer.from([0, 9]), value: null }] }));
    let failures = 1;
    const flaky: CoordinatorLog = {
      append: mem.append.bind(mem),
      read: async (p, o, m) => {
        if (failures-- > 0) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR);
        return mem.read(p, o, m);
      },
      startOffset: mem.startOffset.bind(mem),
      endOffset: mem.endOffset.bind(mem),
    };
    const gc = new GroupCoordinator({ log: flaky, clock: new FakeClock(), config: { offsetsTopicNumPartitions: 1 }, leaderEpochOf: () => 0 });
    gc.startup();
    await flush();
    expect(gc.fetchOffsets('g', false, null).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS); // retry started
    await flush();
    expect(gc.fetchOffsets('g', false, null).errorCode).toBe(ErrorCode.NONE);
  });

  test('a new coordinator loads groups (Stable, with assignments) and offsets from the log', async () => {
    const c = await makeContext();
    const { join } = await c.joinAlone({ groupInstanceId: 'inst-1' });
    await c.gc.commitOffsets('g', join.memberId, 'inst-1', 1, [entry('orders', 2, 42n, 'md')]);
    await c.gc.commitOffsets('s', '', null, -1, [entry('t', 0, 1n)]);
    await c.gc.commitOffsets('s', '', null, -1, [entry('t', 0, 2n)]);
    await c.gc.deleteGroups(['s']);
    c.gc.shutdown();

    const clock2 = new FakeClock(c.clock.now());
    const gc2 = new GroupCoordinator({ log: c.log, clock: clock2, config: { offsetsTopicNumPartitions: 1 }, leaderEpochOf: () => 5 });
    gc2.startup();
    expect(gc2.fetchOffsets('g', false, null).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS); // lazy load started
    await flush();
    await flush();
    const g = gc2.group('g')!;
    expect(g.state).toBe(GroupState.Stable);
    expect(g.generationId).toBe(1);
    expect(g.leaderId).toBe(join.memberId);
    expect(g.currentStaticMemberId('inst-1')).toBe(join.memberId);
    expect(g.get(join.memberId).assignment).toEqual(Buffer.from('A1'));
    expect(gc2.fetchOffsets('g', false, null).offsets).toEqual([{ topic: 'orders', partition: 2, offset: 42n, leaderEpoch: 3, metadata: 'md', errorCode: 0 }]);
    expect(gc2.group('s')).toBeUndefined();
    // The loaded member keeps its session only by heartbeating.
    expect(gc2.heartbeat({ groupId: 'g', generationId: 1, memberId: join.memberId, groupInstanceId: 'inst-1' })).toBe(0);
    clock2.advance(10001);
    await flush();
    // Session expiry removes static members too; the group empties and bumps its generation.
    expect(gc2.group('g')!.state).toBe(GroupState.Empty);
    expect(gc2.group('g')!.generationId).toBe(2);
  });
});
