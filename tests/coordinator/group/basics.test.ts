import { coordinatorPartitionFor, javaStringHashCode, kafkaAbs } from '../../../coordinator/group/coordinator-partition';
import {
  decodeGroupMetadataValue,
  decodeKey,
  decodeOffsetCommitValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
} from '../../../coordinator/group/group-records';
import { GroupState, VALID_PREVIOUS_STATES, parseGroupState } from '../../../coordinator/group/group-state';
import { ClassicGroup } from '../../../coordinator/group/classic-group';
import { MemberMetadata } from '../../../coordinator/group/member';
import { encodeSubscription, parseSubscriptionTopics } from '../../../coordinator/group/consumer-protocol';
import { FakeClock } from './fake-clock';

describe('Coordinator > Group > partition', () => {
  test('javaStringHashCode matches Java String.hashCode', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('my-group')).toBe(-1906497762);
    expect(javaStringHashCode('\u00e9\ud83d\ude00x')).toBe(61901292); // UTF-16 code units, as Java
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
  });
  test('Utils.abs maps MIN_VALUE to 0 and the partition is abs(hash) % n', () => {
    expect(kafkaAbs(-2147483648)).toBe(0);
    expect(kafkaAbs(-5)).toBe(5);
    expect(coordinatorPartitionFor('polygenelubricants', 50)).toBe(0);
    expect(coordinatorPartitionFor('hello', 50)).toBe(99162322 % 50);
    expect(coordinatorPartitionFor('my-group', 50)).toBe(1906497762 % 50);
  });
});

describe('Coordinator > Group > __consumer_offsets record formats', () => {
  test('offset commit key v1 bytes', () => {
    const k = encodeOffsetCommitKey({ group: 'g', topic: 't', partition: 3 });
    expect(k.toString('hex')).toBe('0001' + '0001' + '67' + '0001' + '74' + '00000003');
    expect(decodeKey(k)).toEqual({ kind: 'offset', group: 'g', topic: 't', partition: 3 });
  });
  test('group metadata key v2 bytes', () => {
    const k = encodeGroupMetadataKey('grp');
    expect(k.toString('hex')).toBe('0002' + '0003' + Buffer.from('grp').toString('hex'));
    expect(decodeKey(k)).toEqual({ kind: 'group', group: 'grp' });
  });
  test('offset commit value v3 (and v1 when an expire timestamp is present)', () => {
    const v3 = encodeOffsetCommitValue({ offset: 42n, leaderEpoch: 7, metadata: 'm', commitTimestamp: 1000n, expireTimestamp: -1n });
    expect(v3.toString('hex')).toBe('0003' + '000000000000002a' + '00000007' + '0001' + '6d' + '00000000000003e8');
    expect(decodeOffsetCommitValue(v3)).toEqual({ offset: 42n, leaderEpoch: 7, metadata: 'm', commitTimestamp: 1000n, expireTimestamp: -1n });
    const v1 = encodeOffsetCommitValue({ offset: 1n, leaderEpoch: 7, metadata: '', commitTimestamp: 5n, expireTimestamp: 9n });
    expect(v1.readInt16BE(0)).toBe(1);
    expect(decodeOffsetCommitValue(v1)).toEqual({ offset: 1n, leaderEpoch: -1, metadata: '', commitTimestamp: 5n, expireTimestamp: 9n });
  });
  test('offset commit value v4 (flexible) is readable', () => {
    const b = Buffer.from('0004' + '0000000000000005' + 'ffffffff' + '03' + '6162' + '0000000000000010' + '00', 'hex');
    expect(decodeOffsetCommitValue(b)).toEqual({ offset: 5n, leaderEpoch: -1, metadata: 'ab', commitTimestamp: 16n, expireTimestamp: -1n });
  });
  test('group metadata value v3 round trip with a static member', () => {
    const v = {
      protocolType: 'consumer',
      generation: 4,
      protocol: 'range',
      leader: 'm1',
      currentStateTimestamp: 123n,
      members: [{ memberId: 'm1', groupInstanceId: 'i1', clientId: 'c', clientHost: '/h', rebalanceTimeout: 300, sessionTimeout: 100, subscription: Buffer.from([1, 2]), assignment: Buffer.from([3]) }],
    };
    const b = encodeGroupMetadataValue(v);
    expect(b.readInt16BE(0)).toBe(3);
    expect(decodeGroupMetadataValue(b)).toEqual(v);
  });
  test('truncated values fail with CORRUPT_MESSAGE', () => {
    expect(() => decodeOffsetCommitValue(Buffer.from('000300', 'hex'))).toThrow(/truncated/);
  });
  test('consumer subscription topics', () => {
    expect(parseSubscriptionTopics(encodeSubscription(['a', 'bb']))).toEqual(['a', 'bb']);
    expect(parseSubscriptionTopics(Buffer.from([1]))).toBeNull();
  });
});

describe('Coordinator > Group > state machine', () => {
  const clock = new FakeClock();
  test('the table lists Kafka\'s legal moves', () => {
    expect(VALID_PREVIOUS_STATES[GroupState.Stable]).toEqual([GroupState.CompletingRebalance]);
    expect(VALID_PREVIOUS_STATES[GroupState.Empty]).toEqual([GroupState.PreparingRebalance]);
    expect(parseGroupState('stable')).toBe(GroupState.Stable);
    expect(parseGroupState('nope')).toBeUndefined();
  });
  test('transitionTo asserts legal moves', () => {
    const g = new ClassicGroup('g', 0, clock);
    expect(() => g.transitionTo(GroupState.Stable)).toThrow(/should be in one of/);
    expect(() => g.transitionTo(GroupState.CompletingRebalance)).toThrow();
    g.transitionTo(GroupState.PreparingRebalance);
    expect(() => g.transitionTo(GroupState.Stable)).toThrow();
    g.transitionTo(GroupState.CompletingRebalance);
    g.transitionTo(GroupState.Stable);
    g.transitionTo(GroupState.PreparingRebalance);
    g.transitionTo(GroupState.Empty);
    g.transitionTo(GroupState.Dead);
    expect(() => g.transitionTo(GroupState.Empty)).toThrow();
  });
  test('protocol selection: supported by all, most preferred wins', () => {
    const g = new ClassicGroup('g', 0, clock);
    const mk = (id: string, names: string[]) => new MemberMetadata(id, null, 'c', 'h', 1000, 1000, 'consumer', names.map((name) => ({ name, metadata: Buffer.alloc(0) })));
    g.add(mk('a', ['roundrobin', 'range']));
    g.add(mk('b', ['range', 'roundrobin']));
    g.add(mk('c', ['range', 'sticky', 'roundrobin']));
    expect(g.selectProtocol()).toBe('range');
    expect(g.leaderId).toBe('a');
    g.remove('a');
    expect(g.leaderId).toBe('b');
  });
});
