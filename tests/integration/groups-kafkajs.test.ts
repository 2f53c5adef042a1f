/**
 * Integration > Groups > kafkajs: three consumers share a 6-partition topic through joins, a clean
 * leave and a crash (a child process killed with SIGKILL, so no LeaveGroup); every message is
 * consumed at least once, and committed offsets survive a broker restart.
 */
import { spawn, type ChildProcess } from 'child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { AssignerProtocol, Kafka, logLevel, type Consumer, type Admin } from 'kafkajs';
import { startGroupBroker, type TestBroker } from './groups-broker';

jest.setTimeout(90_000);
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';

const TOPIC = 'orders';
const GROUP = 'g-kafkajs';
const PARTITIONS = 6;
const consumerOpts = { groupId: GROUP, sessionTimeout: 6000, rebalanceTimeout: 10000, heartbeatInterval: 300, maxWaitTimeInMs: 250, retry: { retries: 20, initialRetryTime: 100 } };

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Stable group whose members' assignments cover every partition exactly once; returns member count. */
async function assignmentIsExclusive(admin: Admin, members: number): Promise<boolean> {
  const { groups } = await admin.describeGroups([GROUP]);
  const g = groups[0]!;
  if (g.state !== 'Stable' || g.members.length !== members) return false;
  const owned: number[] = [];
  for (const m of g.members) {
    const a = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
    owned.push(...(a?.assignment[TOPIC] ?? []));
  }
  owned.sort((x, y) => x - y);
  return owned.length === PARTITIONS && owned.every((p, i) => p === i);
}

const CHILD = `
const { Kafka, logLevel } = require(${JSON.stringify(require.resolve('kafkajs'))});
const [bootstrap, group, topic] = process.argv.slice(2);
const kafka = new Kafka({ brokers: [bootstrap], clientId: 'crasher', logLevel: logLevel.NOTHING });
const c = kafka.consumer(${JSON.stringify(consumerOpts)});
c.on(c.events.GROUP_JOIN, () => process.stdout.write('JOINED\\n'));
(async () => {
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  await c.run({ eachMessage: async ({ message }) => { process.stdout.write('M ' + message.value.toString() + '\\n'); } });
})();
`;

describe('Integration > Groups > kafkajs', () => {
  let b: TestBroker;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await b?.remove().catch(() => undefined);
  });

  test('join, leave and crash rebalances keep partitions exclusive and lose nothing; offsets survive a restart', async () => {
    b = await startGroupBroker();
    const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'it', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
    const producer = kafka.producer();
    await producer.connect();
    let next = 0;
    const produce = async (n: number) => {
      const messages = Array.from({ length: n }, () => ({ key: String(next), value: String(next++) }));
      await producer.send({ topic: TOPIC, messages });
    };
    const seen = new Set<string>();
    const consumers: Consumer[] = [];
    const startConsumer = async () => {
      const c = kafka.consumer(consumerOpts);
      await c.connect();
      await c.subscribe({ topic: TOPIC, fromBeginning: true });
      await c.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
      consumers.push(c);
      return c;
    };

    await produce(100);
    const c1 = await startConsumer();
    await startConsumer();
    await waitFor('2 members sharing 6 partitions', () => assignmentIsExclusive(admin, 2));
    await produce(100);

    // A third member joins (in a child process that will crash later).
    const dir = mkdtempSync(join(tmpdir(), 'gregor-crasher-'));
    writeFileSync(join(dir, 'crasher.js'), CHILD);
    child = spawn(process.execPath, [join(dir, 'crasher.js'), b.bootstrap, GROUP, TOPIC], { stdio: ['ignore', 'pipe', 'inherit'] });
    let childJoined = false;
    const proc = child;
    proc.stdout!.setEncoding('utf8');
    let pendingLine = '';
    proc.stdout!.on('data', (d: string) => {
      const lines = (pendingLine + d).split('\n');
      pendingLine = lines.pop() ?? '';
      for (const l of lines) {
        if (l === 'JOINED') childJoined = true;
        else if (l.startsWith('M ')) seen.add(l.slice(2));
      }
    });
    await waitFor('the child to join', () => childJoined);
    await waitFor('3 members sharing 6 partitions', () => assignmentIsExclusive(admin, 3));
    await produce(100);

    // A clean leave.
    await c1.disconnect();
    consumers.splice(consumers.indexOf(c1), 1);
    await waitFor('2 members after a leave', () => assignmentIsExclusive(admin, 2));
    await produce(100);

    // A crash: no LeaveGroup; the session timeout (6 s) removes it.
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await produce(100);
    await waitFor('1 member after the crash', () => assignmentIsExclusive(admin, 1), 30_000);
    await produce(100);
    await waitFor('every message consumed', () => seen.size === next, 30_000);
    expect(seen.size).toBe(600);

    // Committed offsets resume after a restart: stop everything, restart the broker, consume anew.
    for (const c of consumers) await c.disconnect();
    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    const committedTotal = committed[0]!.partitions.reduce((s, p) => s + Number(p.offset), 0);
    expect(committedTotal).toBe(600);
    await producer.disconnect();
    await admin.disconnect();

    b = await b.restart();
    const kafka2 = new Kafka({ brokers: [b.bootstrap], clientId: 'it2', logLevel: logLevel.NOTHING });
    const admin2 = kafka2.admin();
    await admin2.connect();
    const after = await admin2.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    expect(after).toEqual(committed);
    const producer2 = kafka2.producer();
    await producer2.connect();
    await producer2.send({ topic: TOPIC, messages: Array.from({ length: 12 }, (_, i) => ({ key: String(i), value: `late-${i}` })) });
    const got: string[] = [];
    const c3 = kafka2.consumer(consumerOpts);
    await c3.connect();
    await c3.subscribe({ topic: TOPIC, fromBeginning: true });
    await c3.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    await waitFor('the 12 new messages', () => got.length >= 12, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    // Only the messages produced after the last commit: nothing from before the restart.
    expect(got.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `late-${i}`).sort());
    await c3.disconnect();
    await producer2.disconnect();
    await admin2.disconnect();
  });
});
