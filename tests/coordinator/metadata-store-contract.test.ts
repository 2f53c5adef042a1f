/**
 * One contract, three stores: the in-memory store, the embedded local store (a real temp file)
 * and the ZooKeeper store against a real ZooKeeper (a fresh chroot per test). Then what only a
 * shared ZooKeeper can show: two stores (two brokers) on one ensemble.
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../../protocol/errors';
import { LocalMetadataStore, type MetadataFile } from '../../coordinator/local-metadata-store';
import { MemoryMetadataStore } from '../../coordinator/memory-metadata-store';
import { BrokerIdInUseError, ControllerMovedError, type ClusterMetadataStore, type MetadataEvent, type PartitionStateFields } from '../../coordinator/metadata-store';
import { startZooKeeper } from '../../broker/dev-cluster/zookeeper-server';
import { ZkMetadataStore } from '../../coordinator/zk/zk-metadata-store';
import { ZkSession } from '../../coordinator/zk/zk-session';
import { TestLogger, expireZkSession, startTestZooKeeper, waitUntil, zkStore, type TestZooKeeper } from './zk/zk-test-env';

jest.setTimeout(30_000);

interface Backend {
  readonly name: string;
  /** A started store on fresh state. */
  create(): Promise<ClusterMetadataStore>;
  /** A real (or, in memory, simulated) session expiry; resolves after session/connected. */
  expire(store: ClusterMetadataStore): Promise<void>;
}

let zkServer: TestZooKeeper;
let chrootSeq = 0;
const opened: ClusterMetadataStore[] = [];
const tmpDirs: string[] = [];

beforeAll(async () => {
  zkServer = await startTestZooKeeper();
});
afterAll(async () => {
  await zkServer?.stop();
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

async function started<T extends ClusterMetadataStore>(s: T): Promise<T> {
  await s.start();
  opened.push(s);
  return s;
}

class TempFile implements MetadataFile {
  constructor(readonly path: string) {}
  async read() {
    return existsSync(this.path) ? readFileSync(this.path, 'utf8') : null;
  }
  async write(text: string) {
    writeFileSync(`${this.path}.tmp`, text);
    renameSync(`${this.path}.tmp`, this.path);
  }
}

const freshChroot = () => `${zkServer.server.connectString}/contract-${process.pid}-${++chrootSeq}`;

const backends: Backend[] = [
  { name: 'memory', create: () => started(new MemoryMetadataStore()), expire: (s) => (s as MemoryMetadataStore).expireSession() },
  {
    name: 'local',
    create: () => {
      const dir = mkdtempSync(join(tmpdir(), 'gregor-local-'));
      tmpDirs.push(dir);
      return started(new LocalMetadataStore(new TempFile(join(dir, '__gregor_metadata.json'))));
    },
    expire: (s) => (s as LocalMetadataStore).expireSession(),
  },
  {
    name: 'zookeeper',
    create: () => started(zkStore(freshChroot())),
    expire: (s) => {
      const z = s as ZkMetadataStore;
      return expireZkSession(z, zkServer.server.connectString);
    },
  },
];

const EP = [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'h1', port: 9092 }];
const ID_A = 'AAAAAAAAAAAAAAAAAAAAAQ';
const ID_B = 'AAAAAAAAAAAAAAAAAAAAAg';
const state = (leader: number, leaderEpoch: number, extra: Partial<PartitionStateFields> = {}): PartitionStateFields => ({ leader, leaderEpoch, isr: [leader], controllerEpoch: 1, leaderRecoveryState: 0, ...extra });

function record(store: ClusterMetadataStore): MetadataEvent[] {
  const events: MetadataEvent[] = [];
  store.onChange((e) => events.push(e));
  return events;
}

describe.each(backends)('ClusterMetadataStore contract: $name', (backend) => {
  it('creates topics, refuses duplicates, adds continuing partitions and replaces configs', async () => {
    const s = await backend.create();
    const events = record(s);
    const t = await s.createTopic({ name: 'orders', topicId: ID_A, assignment: new Map([[0, [1, 2]], [1, [2, 1]]]), configs: { 'retention.ms': '1000' } });
    expect([...t.assignment]).toEqual([[0, [1, 2]], [1, [2, 1]]]);
    expect(s.topic('orders')?.configs).toEqual({ 'retention.ms': '1000' });
    expect(s.topicById(ID_A)?.name).toBe('orders');
    expect(s.topic('orders')?.isInternal).toBe(false);
    await expect(s.createTopic({ name: 'orders', topicId: ID_B, assignment: new Map([[0, [1]]]), configs: {} })).rejects.toMatchObject({ code: ErrorCode.TOPIC_ALREADY_EXISTS });

    await expect(s.addPartitions('orders', new Map([[3, [1]]]))).rejects.toMatchObject({ code: ErrorCode.INVALID_PARTITIONS });
    await expect(s.addPartitions('orders', new Map([[1, [1]]]))).rejects.toMatchObject({ code: ErrorCode.INVALID_PARTITIONS });
    await expect(s.addPartitions('nope', new Map([[0, [1]]]))).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    const grown = await s.addPartitions('orders', new Map([[2, [1, 2]]]));
    expect([...grown.assignment.keys()]).toEqual([0, 1, 2]);
    expect(s.topic('orders')?.configs).toEqual({ 'retention.ms': '1000' });

    await s.setTopicConfigs('orders', { 'cleanup.policy': 'compact' });
    expect(s.topic('orders')?.configs).toEqual({ 'cleanup.policy': 'compact' });
    await expect(s.setTopicConfigs('nope', {})).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });

    await s.createTopic({ name: '__consumer_offsets', topicId: ID_B, assignment: new Map([[0, [1]]]), configs: {}, isInternal: true });
    expect(s.topic('__consumer_offsets')?.isInternal).toBe(true);
    expect(s.topics().map((x) => x.name).sort()).toEqual(['__consumer_offsets', 'orders']);
    expect(events.map((e) => e.type)).toEqual(['topic-created', 'partitions-added', 'topic-config-changed', 'topic-created']);
    const added = events[1] as Extract<MetadataEvent, { type: 'partitions-added' }>;
    expect(added.partitions).toEqual([2]);
  });

  it('queues deletions and the controller carries them out with the states, configs and mark', async () => {
    const s = await backend.create();
    await s.createTopic({ name: 'gone', topicId: ID_A, assignment: new Map([[0, [1]], [1, [1]]]), configs: { 'retention.ms': '5' } });
    await expect(s.markTopicForDeletion('nope')).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    const events = record(s);
    await s.markTopicForDeletion('gone');
    await s.markTopicForDeletion('gone'); // again: no new request
    expect(s.topicsMarkedForDeletion()).toEqual(['gone']);
    const fence = (await s.tryElectController(1))!;
    await s.writePartitionStates(fence, [{ topic: 'gone', partition: 0, expectedVersion: -1, state: state(1, 0) }]);
    await s.deleteTopic(fence, 'gone');
    expect(s.topic('gone')).toBeUndefined();
    expect(s.topicById(ID_A)).toBeUndefined();
    expect(s.topicsMarkedForDeletion()).toEqual([]);
    expect((await s.readPartitionStates('gone')).size).toBe(0);
    expect(events.filter((e) => e.type !== 'controller-changed')).toEqual([{ type: 'topic-deletion-requested', topics: ['gone'] }, expect.objectContaining({ type: 'topic-deleted' })]);
    // Created again: nothing of the old one survives.
    const again = await s.createTopic({ name: 'gone', topicId: ID_B, assignment: new Map([[0, [1]]]), configs: {} });
    expect(again.configs).toEqual({});
    expect((await s.readPartitionStates('gone')).size).toBe(0);
  });

  it('registers brokers with growing epochs and forgets unregistered ones', async () => {
    const s = await backend.create();
    const events = record(s);
    const b1 = await s.registerBroker({ brokerId: 1, endpoints: EP, rack: 'r1' });
    const b2 = await s.registerBroker({ brokerId: 2, endpoints: EP, rack: null });
    expect(b2.brokerEpoch).toBeGreaterThan(b1.brokerEpoch);
    expect(s.liveBrokers().map((b) => [b.brokerId, b.rack])).toEqual([[1, 'r1'], [2, null]]);
    expect(s.liveBrokers()[0]!.endpoints).toEqual(EP);
    await s.unregisterBroker(1);
    expect(s.liveBrokers().map((b) => b.brokerId)).toEqual([2]);
    const b1again = await s.registerBroker({ brokerId: 1, endpoints: EP, rack: 'r1' });
    expect(b1again.brokerEpoch).toBeGreaterThan(b2.brokerEpoch);
    expect(events).toEqual([1, 2, 1, 1].map((brokerId) => ({ type: 'broker-changed', brokerId })));
    expect(await s.nextBrokerSequence()).toBe(1);
    expect(await s.nextBrokerSequence()).toBe(2);
  });

  it('elects one controller at a time, bumping the epoch at every election', async () => {
    const s = await backend.create();
    const events = record(s);
    expect(s.controllerId()).toBe(-1);
    expect(await s.tryElectController(1)).toEqual({ controllerEpoch: 1, epochVersion: 1 });
    expect(s.controllerId()).toBe(1);
    expect(await s.tryElectController(2)).toBeNull();
    await s.resignController(2); // not the controller: nothing happens
    expect(s.controllerId()).toBe(1);
    await s.resignController(1);
    expect(s.controllerId()).toBe(-1);
    expect(await s.tryElectController(2)).toEqual({ controllerEpoch: 2, epochVersion: 2 });
    expect(events).toEqual([1, -1, 2].map((controllerId) => ({ type: 'controller-changed', controllerId })));
  });

  it('fences controller writes: a stale fence writes nothing', async () => {
    const s = await backend.create();
    await s.createTopic({ name: 't', topicId: ID_A, assignment: new Map([[0, [1]]]), configs: {} });
    const stale = (await s.tryElectController(1))!;
    await s.resignController(1);
    const current = (await s.tryElectController(2))!;
    const update = { topic: 't', partition: 0, expectedVersion: -1, state: state(1, 0) };
    await expect(s.writePartitionStates(stale, [update])).rejects.toBeInstanceOf(ControllerMovedError);
    expect((await s.readPartitionStates('t')).size).toBe(0);
    await expect(s.setAssignment(stale, 't', new Map([[0, [2]]]), new Map(), new Map())).rejects.toBeInstanceOf(ControllerMovedError);
    expect([...s.topic('t')!.assignment]).toEqual([[0, [1]]]);
    await s.markTopicForDeletion('t');
    await expect(s.deleteTopic(stale, 't')).rejects.toBeInstanceOf(ControllerMovedError);
    expect(s.topic('t')).toBeDefined();
    expect(s.topicsMarkedForDeletion()).toEqual(['t']);
    expect(await s.writePartitionStates(current, [update])).toEqual([{ ok: true, state: { ...update.state, version: 0 } }]);
  });

  it('writes partition states conditionally on their version, each update on its own', async () => {
    const s = await backend.create();
    await s.createTopic({ name: 't', topicId: ID_A, assignment: new Map([[0, [1, 2]], [1, [2, 1]]]), configs: {} });
    const fence = (await s.tryElectController(1))!;
    const created = await s.writePartitionStates(fence, [
      { topic: 't', partition: 0, expectedVersion: -1, state: state(1, 0) },
      { topic: 't', partition: 1, expectedVersion: -1, state: state(2, 0, { leaderRecoveryState: 1 }) },
      { topic: 't', partition: 7, expectedVersion: -1, state: state(1, 0) },
      { topic: 'nope', partition: 0, expectedVersion: -1, state: state(1, 0) },
    ]);
    expect(created).toEqual([
      { ok: true, state: { ...state(1, 0), version: 0 } },
      { ok: true, state: { ...state(2, 0, { leaderRecoveryState: 1 }), version: 0 } },
      { ok: false, current: undefined },
      { ok: false, current: undefined },
    ]);
    const next = await s.writePartitionStates(fence, [
      { topic: 't', partition: 0, expectedVersion: -1, state: state(2, 1) }, // exists already
      { topic: 't', partition: 1, expectedVersion: 0, state: state(1, 1, { isr: [1, 2] }) },
      { topic: 't', partition: 0, expectedVersion: 5, state: state(2, 1) }, // wrong version
    ]);
    expect(next).toEqual([
      { ok: false, current: { ...state(1, 0), version: 0 } },
      { ok: true, state: { ...state(1, 1, { isr: [1, 2] }), version: 1 } },
      { ok: false, current: { ...state(1, 0), version: 0 } },
    ]);
    const stored = await s.readPartitionStates('t');
    expect([...stored]).toEqual([
      [0, { ...state(1, 0), version: 0 }],
      [1, { ...state(1, 1, { isr: [1, 2] }), version: 1 }],
    ]);
  });

  it('records a reassignment and the dynamic broker configs', async () => {
    const s = await backend.create();
    await s.createTopic({ name: 't', topicId: ID_A, assignment: new Map([[0, [1, 2]]]), configs: {} });
    const fence = (await s.tryElectController(1))!;
    const events = record(s);
    const t = await s.setAssignment(fence, 't', new Map([[0, [3, 1, 2]]]), new Map([[0, [3]]]), new Map([[0, [2]]]));
    expect([...t.assignment]).toEqual([[0, [3, 1, 2]]]);
    expect([...s.topic('t')!.addingReplicas]).toEqual([[0, [3]]]);
    expect([...s.topic('t')!.removingReplicas]).toEqual([[0, [2]]]);
    await expect(s.setAssignment(fence, 'nope', new Map(), new Map(), new Map())).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    await s.setBrokerConfigs(null, { 'log.retention.bytes': '100' });
    await s.setBrokerConfigs(2, { 'num.io.threads': '4' });
    expect(s.brokerConfigs(null)).toEqual({ 'log.retention.bytes': '100' });
    expect(s.brokerConfigs(2)).toEqual({ 'num.io.threads': '4' });
    expect(s.brokerConfigs(3)).toEqual({});
    expect(events.map((e) => (e.type === 'broker-config-changed' ? `broker-config-changed:${e.brokerId}` : e.type))).toEqual([
      'assignment-changed',
      'broker-config-changed:null',
      'broker-config-changed:2',
    ]);
  });

  it('hands out blocks of 1000 producer ids that never overlap, starting at 0', async () => {
    const s = await backend.create();
    expect(await s.allocateProducerIdBlock(1)).toEqual({ assignedBrokerId: 1, firstProducerId: 0n, size: 1000 });
    const [b, c] = await Promise.all([s.allocateProducerIdBlock(2), s.allocateProducerIdBlock(1)]);
    expect([b.firstProducerId, c.firstProducerId].sort()).toEqual([1000n, 2000n]);
  });

  it('loses its registrations and the controllership when the session expires, and registers again', async () => {
    const s = await backend.create();
    const before = await s.registerBroker({ brokerId: 1, endpoints: EP, rack: null });
    await s.tryElectController(1);
    await s.createTopic({ name: 'kept', topicId: ID_A, assignment: new Map([[0, [1]]]), configs: {} });
    const events = record(s);
    await backend.expire(s);
    const sessions = events.filter((e) => e.type === 'session').map((e) => (e as { state: string }).state);
    expect(sessions.slice(sessions.indexOf('expired'))).toEqual(['expired', 'connected']);
    const expiredAt = events.findIndex((e) => e.type === 'session' && e.state === 'expired');
    expect(events.slice(expiredAt)).toEqual(
      expect.arrayContaining([
        { type: 'broker-changed', brokerId: 1 },
        { type: 'controller-changed', controllerId: -1 },
      ]),
    );
    expect(s.liveBrokers()).toEqual([]);
    expect(s.controllerId()).toBe(-1);
    expect(s.topic('kept')).toBeDefined();
    const after = await s.registerBroker({ brokerId: 1, endpoints: EP, rack: null });
    expect(after.brokerEpoch).toBeGreaterThan(before.brokerEpoch);
    expect(s.liveBrokers().map((b) => b.brokerId)).toEqual([1]);
    expect(await s.tryElectController(1)).toEqual({ controllerEpoch: 2, epochVersion: 2 });
  });
});

describe('ZooKeeper stores on one ensemble', () => {
  const pair = async () => {
    const connect = freshChroot();
    return [await started(zkStore(connect)), await started(zkStore(connect)), connect] as const;
  };

  it('shares the cluster id, and a broker id is held by one live session at a time', async () => {
    const [a, b] = await pair();
    expect(b.clusterId()).toBe(a.clusterId());
    const seen = record(b);
    const reg = await a.registerBroker({ brokerId: 1, endpoints: EP, rack: null });
    await waitUntil(() => b.liveBrokers().length === 1, 5000, 'B to see broker 1');
    expect(b.liveBrokers()[0]).toEqual(reg);
    await expect(b.registerBroker({ brokerId: 1, endpoints: EP, rack: null })).rejects.toBeInstanceOf(BrokerIdInUseError);
    await a.close();
    await waitUntil(() => b.liveBrokers().length === 0, 5000, 'B to see broker 1 leave');
    expect(seen).toEqual([{ type: 'broker-changed', brokerId: 1 }, { type: 'broker-changed', brokerId: 1 }]);
    expect((await b.registerBroker({ brokerId: 1, endpoints: EP, rack: null })).brokerEpoch).toBeGreaterThan(reg.brokerEpoch);
  });

  it("two brokers allocating producer id blocks at once get disjoint ones, in Kafka's znode JSON", async () => {
    const [a, b, connect] = await pair();
    const blocks = await Promise.all([...Array(3).keys()].flatMap(() => [a.allocateProducerIdBlock(1), b.allocateProducerIdBlock(2)]));
    expect(blocks.map((x) => x.firstProducerId).sort((x, y) => (x < y ? -1 : 1))).toEqual([0n, 1000n, 2000n, 3000n, 4000n, 5000n]);
    const raw = await ZkSession.open(zkServer.server.connectString, { sessionTimeoutMs: 2000, connectionTimeoutMs: 5000, watcher: () => undefined, onSessionEvent: () => undefined });
    try {
      const data = (await raw.getData(`${connect.slice(connect.indexOf('/'))}/latest_producer_id_block`))!.data!.toString('utf8');
      expect(data).toMatch(/^\{"version":1,"broker":[12],"block_start":"5000","block_end":"5999"\}$/);
    } finally {
      await raw.close();
    }
  });

  it("shows one store's topics, deletion marks and config changes in the other's view and listener", async () => {
    const [a, b] = await pair();
    const seen = record(b);
    await a.createTopic({ name: 'orders', topicId: ID_A, assignment: new Map([[0, [1]]]), configs: { 'retention.ms': '9' } });
    await waitUntil(() => b.topic('orders') !== undefined, 5000, 'B to see the topic');
    expect(b.topic('orders')?.configs).toEqual({ 'retention.ms': '9' });
    expect(b.topicById(ID_A)?.name).toBe('orders');
    await a.addPartitions('orders', new Map([[1, [1]]]));
    await waitUntil(() => b.topic('orders')?.assignment.size === 2, 5000, 'B to see the new partition');
    await a.setTopicConfigs('orders', { 'retention.ms': '10' });
    await waitUntil(() => b.topic('orders')?.configs['retention.ms'] === '10', 5000, 'B to see the topic config');
    await a.setBrokerConfigs(null, { 'log.retention.bytes': '1' });
    await waitUntil(() => b.brokerConfigs(null)['log.retention.bytes'] === '1', 5000, 'B to see the broker config');
    await a.markTopicForDeletion('orders');
    await waitUntil(() => b.topicsMarkedForDeletion().length === 1, 5000, 'B to see the mark');
    expect(seen.map((e) => e.type)).toEqual(['topic-created', 'partitions-added', 'topic-config-changed', 'broker-config-changed', 'topic-deletion-requested']);
    const fence = (await b.tryElectController(2))!;
    expect(await a.tryElectController(1)).toBeNull();
    await b.deleteTopic(fence, 'orders');
    await waitUntil(() => a.topic('orders') === undefined && a.topicsMarkedForDeletion().length === 0, 5000, 'A to see the deletion');
    expect(a.controllerId()).toBe(2);
  });

  it("fences the old controller after its session expired and another broker was elected", async () => {
    const [a, b, connect] = await pair();
    await a.createTopic({ name: 't', topicId: ID_A, assignment: new Map([[0, [1]]]), configs: {} });
    const oldFence = (await a.tryElectController(1))!;
    await expireZkSession(a, connect.slice(0, connect.indexOf('/')));
    await waitUntil(() => b.controllerId() === -1, 5000, 'B to see /controller gone');
    const newFence = (await b.tryElectController(2))!;
    expect(newFence.controllerEpoch).toBe(oldFence.controllerEpoch + 1);
    await waitUntil(() => a.controllerId() === 2, 5000, 'A to see the new controller');
    await expect(a.writePartitionStates(oldFence, [{ topic: 't', partition: 0, expectedVersion: -1, state: state(1, 0) }])).rejects.toBeInstanceOf(ControllerMovedError);
    expect((await b.readPartitionStates('t')).size).toBe(0);
  });

  it("writes Kafka's layout under the chroot, which it creates", async () => {
    const [a, , connect] = await pair();
    const chroot = connect.slice(connect.indexOf('/'));
    await a.registerBroker({ brokerId: 1, endpoints: EP, rack: null });
    await a.createTopic({ name: 't', topicId: ID_A, assignment: new Map([[0, [1]]]), configs: {} });
    await a.setTopicConfigs('t', { 'retention.ms': '3' });
    await a.markTopicForDeletion('t');
    const raw = await ZkSession.open(zkServer.server.connectString, { sessionTimeoutMs: 2000, connectionTimeoutMs: 5000, watcher: () => undefined, onSessionEvent: () => undefined });
    try {
      const get = async (p: string) => (await raw.getData(chroot + p))?.data?.toString('utf8');
      expect((await raw.getChildren(chroot))!.sort()).toEqual(['admin', 'brokers', 'cluster', 'config', 'consumers', 'isr_change_notification', 'latest_producer_id_block', 'log_dir_event_notification']);
      expect((await raw.getChildren(`${chroot}/config`))!.sort()).toEqual(['brokers', 'changes', 'clients', 'ips', 'topics', 'users']);
      expect(await get('/cluster/id')).toBe(`{"version":"1","id":"${a.clusterId()}"}`);
      expect(await get('/brokers/ids/1')).toMatch(/^\{"listener_security_protocol_map":\{"PLAINTEXT":"PLAINTEXT"\},"endpoints":\["PLAINTEXT:\/\/h1:9092"\],"jmx_port":-1,"features":\{\},"host":"h1","timestamp":"\d+","port":9092,"version":5\}$/);
      expect((await raw.exists(`${chroot}/brokers/ids/1`))!.ephemeralOwner).not.toBe(0n);
      expect(await get('/brokers/topics/t')).toBe(`{"removing_replicas":{},"partitions":{"0":[1]},"topic_id":"${ID_A}","adding_replicas":{},"version":3}`);
      expect(await get('/config/topics/t')).toBe('{"version":1,"config":{"retention.ms":"3"}}');
      expect(await raw.getChildren(`${chroot}/config/changes`)).toEqual(['config_change_0000000000']);
      expect(await get('/config/changes/config_change_0000000000')).toBe('{"version":2,"entity_path":"topics/t"}');
      expect(await raw.getChildren(`${chroot}/admin/delete_topics`)).toEqual(['t']);
    } finally {
      await raw.close();
    }
  });

  it('reports a lost connection and its return, keeping the session and its registrations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gregor-zk-restart-'));
    tmpDirs.push(dir);
    let server = await startZooKeeper({ dataDir: dir });
    try {
      const s = await started(zkStore(server.connectString));
      await s.registerBroker({ brokerId: 1, endpoints: EP, rack: null });
      const events = record(s);
      await server.stop();
      await waitUntil(() => events.some((e) => e.type === 'session'), 5000, 'the disconnection');
      server = await startZooKeeper({ dataDir: dir, port: server.port });
      await waitUntil(() => events.filter((e) => e.type === 'session').length === 2, 10_000, 'the reconnection');
      expect(events.filter((e) => e.type === 'session')).toEqual([{ type: 'session', state: 'disconnected' }, { type: 'session', state: 'connected' }]);
      expect(s.liveBrokers().map((b) => b.brokerId)).toEqual([1]);
      await s.createTopic({ name: 'after', topicId: ID_A, assignment: new Map([[0, [1]]]), configs: {} });
    } finally {
      for (const st of opened.splice(0)) await st.close();
      await server.stop();
    }
  });

  it('rejects start() naming the connect string when ZooKeeper cannot be reached', async () => {
    const store = new ZkMetadataStore({ connect: '127.0.0.1:1', sessionTimeoutMs: 2000, connectionTimeoutMs: 500, logger: new TestLogger() });
    await expect(store.start()).rejects.toThrow(/cannot connect to ZooKeeper at 127\.0\.0\.1:1: no session within 500 ms/);
  });
});
