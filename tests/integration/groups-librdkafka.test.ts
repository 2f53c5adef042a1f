/**
 * Integration > Groups > librdkafka: kcat balanced consumers (-G) with the range and
 * cooperative-sticky assignors split a topic's partitions; static members (group.instance.id)
 * restart without a rebalance.
 */
import { AssignerProtocol, Kafka, logLevel, type Admin } from 'kafkajs';
import type { GroupCoordinator } from '../../coordinator/group/group-coordinator';
import { startGroupBroker, type TestBroker } from './groups-broker';
import { kcatConsumer, type KcatMember } from './groups-kcat';
import { requireKcat } from '../helpers/require-kcat';

jest.setTimeout(60_000);
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
const PARTITIONS = 4;

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** memberId/instanceId -> partitions, when Stable with `members` members covering all partitions once. */
async function exclusiveAssignment(admin: Admin, group: string, topic: string, members: number): Promise<Map<string, number[]> | null> {
  const g = (await admin.describeGroups([group])).groups[0]!;
  if (g.state !== 'Stable' || g.members.length !== members) return null;
  const out = new Map<string, number[]>();
  const all: number[] = [];
  for (const m of g.members) {
    const ps = AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? [];
    out.set(m.memberId, [...ps].sort());
    all.push(...ps);
  }
  all.sort((a, b) => a - b);
  return all.length === PARTITIONS && all.every((p, i) => p === i) ? out : null;
}

describe('Integration > Groups > librdkafka (kcat -G)', () => {
  let b: TestBroker;
  let admin: Admin;
  let kafka: Kafka;
  const members: KcatMember[] = [];
  beforeAll(() => requireKcat());
  beforeEach(async () => {
    b = await startGroupBroker();
    kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'it', logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  });
  afterEach(async () => {
    for (const m of members.splice(0)) await m.stop('SIGKILL');
    await admin.disconnect();
    await b.remove();
  });

  async function produce(topic: string, values: string[]): Promise<void> {
    const p = kafka.producer();
    await p.connect();
    await p.send({ topic, messages: values.map((v, i) => ({ key: String(i), value: v })) });
    await p.disconnect();
  }

  for (const strategy of ['range', 'cooperative-sticky']) {
    test(`two members split the partitions (${strategy}); one leaves and the other takes over`, async () => {
      const topic = `t-${strategy}`;
      const group = `g-${strategy}`;
      await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
      const values = Array.from({ length: 40 }, (_, i) => `v${i}`);
      const props = { 'partition.assignment.strategy': strategy, 'session.timeout.ms': '6000' };
      const a = kcatConsumer(b.bootstrap, group, topic, props);
      const c = kcatConsumer(b.bootstrap, group, topic, props);
      members.push(a, c);
      await waitFor('two members with 2 partitions each', async () => {
        const m = await exclusiveAssignment(admin, group, topic, 2);
        return m !== null && [...m.values()].every((ps) => ps.length === 2);
      });
      const g = (await admin.describeGroups([group])).groups[0]!;
      expect(g.protocol).toBe(strategy);
      // Produced once the assignment is settled, so each partition's messages reach its owner only.
      await produce(topic, values);
      await waitFor('every message consumed', () => new Set([...a.lines, ...c.lines].map((l) => l.split(' ')[1])).size === values.length);
      // Each partition was consumed by one member only.
      const partitionsOf = (m: KcatMember) => new Set(m.lines.map((l) => l.split(' ')[0]));
      const pa = partitionsOf(a);
      for (const p of partitionsOf(c)) expect(pa.has(p)).toBe(false);

      await c.stop('SIGTERM'); // clean close: LeaveGroup
      await waitFor('one member owning every partition', async () => (await exclusiveAssignment(admin, group, topic, 1)) !== null);
      const more = Array.from({ length: 8 }, (_, i) => `w${i}`);
      await produce(topic, more);
      await waitFor('the survivor consumed the new messages', () => more.every((v) => a.lines.some((l) => l.endsWith(` ${v}`))));
    });
  }

  test('a restarted static member gets its partitions back without a rebalance', async () => {
    const topic = 't-static';
    const group = 'g-static';
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
    const props = (id: string) => ({ 'group.instance.id': id, 'session.timeout.ms': '10000', 'partition.assignment.strategy': 'range' });
    const s1 = kcatConsumer(b.bootstrap, group, topic, props('static-1'));
    const s2 = kcatConsumer(b.bootstrap, group, topic, props('static-2'));
    members.push(s1, s2);
    let before: Map<string, number[]> | null = null;
    await waitFor('two static members', async () => (before = await exclusiveAssignment(admin, group, topic, 2)) !== null);
    const gc = b.services.groupCoordinator as GroupCoordinator;
    const generation = gc.group(group)!.generationId;
    const instanceParts = (m: Map<string, number[]>) => {
      const g = gc.group(group)!;
      return new Map([...m].map(([memberId, ps]) => [g.get(memberId).groupInstanceId, ps] as const));
    };
    const beforeByInstance = instanceParts(before!);

    await s2.stop('SIGKILL');
    const s2b = kcatConsumer(b.bootstrap, group, topic, props('static-2'));
    members.push(s2b);
    await waitFor('static-2 rejoined with a new member id', () => {
      const g = gc.group(group)!;
      const id = g.currentStaticMemberId('static-2');
      return id !== undefined && !before!.has(id) && g.state === 'Stable';
    });
    const values = Array.from({ length: 20 }, (_, i) => `s${i}`);
    await produce(topic, values);
    await waitFor('all new messages consumed', () => new Set([...s1.lines, ...s2b.lines].map((l) => l.split(' ')[1])).size === values.length);
    expect(gc.group(group)!.generationId).toBe(generation);
    const after = await exclusiveAssignment(admin, group, topic, 2);
    expect(after).not.toBeNull();
    expect(instanceParts(after!)).toEqual(beforeByInstance);
    const s2Partitions = new Set(s2b.lines.map((l) => Number(l.split(' ')[0])));
    expect([...s2Partitions].sort()).toEqual(beforeByInstance.get('static-2'));
  });
});
