/**
 * Integration > Groups > admin: describe, list and delete groups, fetch committed offsets and lag,
 * delete offsets, batched FindCoordinator and multi-group OffsetFetch, with kafkajs (older API
 * versions) and @platformatic/kafka (newest versions).
 */
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { startGroupBroker, type TestBroker } from './groups-broker';
import { platformatic } from './groups-platformatic';

jest.setTimeout(60_000);
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Integration > Groups > admin', () => {
  let b: TestBroker;
  afterEach(async () => {
    await b?.remove();
  });

  test('describe / list / offsets and lag / offset delete / delete groups', async () => {
    b = await startGroupBroker();
    const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'admin-it', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'adm', numPartitions: 3 }, { topic: 'other', numPartitions: 1 }] });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'adm', messages: Array.from({ length: 30 }, (_, i) => ({ key: String(i), value: `m${i}` })) });

      const consumer = kafka.consumer({ groupId: 'g-admin', sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 250 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'adm', fromBeginning: true });
      let consumed = 0;
      await consumer.run({ eachMessage: async () => void consumed++ });
      await waitFor('30 messages', () => consumed === 30);
      await waitFor('offsets committed', async () => {
        const o = await admin.fetchOffsets({ groupId: 'g-admin', topics: ['adm'] });
        return o[0]!.partitions.reduce((s, p) => s + Number(p.offset), 0) === 30;
      });
      // Offsets for a second group, set through the admin API.
      await admin.setOffsets({ groupId: 'g-simple', topic: 'other', partitions: [{ partition: 0, offset: '0' }] });

      // DescribeGroups (kafkajs v0-2ish and platformatic v5)
      const { groups } = await admin.describeGroups(['g-admin', 'nope']);
      expect(groups[0]).toMatchObject({ groupId: 'g-admin', state: 'Stable', protocolType: 'consumer', protocol: 'RoundRobinAssigner', errorCode: 0 });
      expect(groups[0]!.members).toHaveLength(1);
      expect(groups[0]!.members[0]!.clientHost).toBe('/127.0.0.1');
      expect(AssignerProtocol.MemberAssignment.decode(groups[0]!.members[0]!.memberAssignment)!.assignment['adm']!.sort()).toEqual([0, 1, 2]);
      expect(groups[1]).toMatchObject({ groupId: 'nope', state: 'Dead', errorCode: 0 });
      const [pd, stable] = await platformatic(b.bootstrap, [
        ['describeGroups', { groups: ['g-admin'], includeAuthorizedOperations: true }],
        ['listGroups', { states: ['STABLE'] }],
      ]);
      const pg = pd!.ok['g-admin'];
      expect(pg.state).toBe('STABLE');
      expect(Object.keys(pg.members)).toHaveLength(1);
      expect(pg.authorizedOperations).toBe((1 << 3) | (1 << 6) | (1 << 8));

      // ListGroups without filter (kafkajs) and with a state filter (platformatic v5).
      const listed = (await admin.listGroups()).groups.map((g) => `${g.groupId}:${g.protocolType}`).sort();
      expect(listed).toEqual(['g-admin:consumer', 'g-simple:consumer']); // kafkajs setOffsets joins the group to commit
      expect(Object.keys(stable!.ok)).toEqual(['g-admin']);
      expect(stable!.ok['g-admin']).toMatchObject({ state: 'STABLE', groupType: 'classic', protocolType: 'consumer' });

      // Deleting a group with members is refused.
      await expect(admin.deleteGroups(['g-admin'])).rejects.toMatchObject({ groups: [expect.objectContaining({ groupId: 'g-admin', errorCode: 68 })] });

      // Lag: stop consuming, produce 5 more.
      await consumer.disconnect();
      await producer.send({ topic: 'adm', messages: Array.from({ length: 5 }, (_, i) => ({ key: String(i), value: `late${i}` })) });
      const committed = await admin.fetchOffsets({ groupId: 'g-admin', topics: ['adm'] });
      const ends = await admin.fetchTopicOffsets('adm');
      const lag = committed[0]!.partitions.reduce((s, p) => s + (Number(ends.find((e) => e.partition === p.partition)!.high) - Number(p.offset)), 0);
      expect(lag).toBe(5);

      // Multi-group OffsetFetch (v8+) and batched FindCoordinator (v4+).
      const [multi, coords] = await platformatic(b.bootstrap, [
        ['listConsumerGroupOffsets', { groups: ['g-admin', 'g-simple'] }],
        ['findCoordinator', { keyType: 0, keys: ['g-admin', 'g-simple'] }],
      ]);
      const byGroup = new Map<string, any[]>(multi!.ok.map((g: any) => [g.groupId, g.topics]));
      expect(byGroup.get('g-simple')).toEqual([expect.objectContaining({ name: 'other', partitions: [expect.objectContaining({ partitionIndex: 0, committedOffset: '0' })] })]);
      expect(byGroup.get('g-admin')![0]!.partitions.map((p: any) => Number(p.committedOffset)).reduce((a: number, c: number) => a + c, 0)).toBe(30);
      expect(coords!.ok.map((c: any) => [c.key, c.nodeId, c.port])).toEqual([['g-admin', 1, b.port], ['g-simple', 1, b.port]]);

      // OffsetDelete on the now-empty group, then the offsets are gone.
      await waitFor('group empty', async () => (await admin.describeGroups(['g-admin'])).groups[0]!.state === 'Empty');
      const [del] = await platformatic(b.bootstrap, [['deleteConsumerGroupOffsets', { groupId: 'g-admin', topics: [{ name: 'adm', partitionIndexes: [0, 1] }] }]]);
      expect(del!.error).toBeUndefined();
      const afterDelete = await admin.fetchOffsets({ groupId: 'g-admin', topics: ['adm'] });
      expect(afterDelete[0]!.partitions.sort((x, y) => x.partition - y.partition).map((p) => p.offset)).toEqual(['-1', '-1', expect.any(String)]);
      expect(afterDelete[0]!.partitions.find((p) => p.partition === 2)!.offset).not.toBe('-1');

      // DeleteGroups: gone from list and describe.
      await admin.deleteGroups(['g-admin', 'g-simple']);
      expect((await admin.listGroups()).groups).toEqual([]);
      expect((await admin.describeGroups(['g-admin'])).groups[0]!.state).toBe('Dead');
      await expect(admin.deleteGroups(['g-admin'])).rejects.toMatchObject({ groups: [expect.objectContaining({ errorCode: 69 })] });
      await producer.disconnect();
    } finally {
      await admin.disconnect();
    }
  });
});
