import { LocalMetadataStore, type MetadataFile } from '../../coordinator/local-metadata-store';
import type { PartitionStateFields } from '../../coordinator/metadata-store';

class MemFile implements MetadataFile {
  text: string | null = null;
  writes = 0;
  async read() {
    return this.text;
  }
  async write(t: string) {
    this.text = t;
    this.writes++;
  }
}

const EP = [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'localhost', port: 9092 }];
const st = (leader: number, leaderEpoch: number, leaderRecoveryState = 0): PartitionStateFields => ({ leader, leaderEpoch, isr: [leader], controllerEpoch: 1, leaderRecoveryState });

async function open(file: MemFile): Promise<LocalMetadataStore> {
  const s = new LocalMetadataStore(file);
  await s.start();
  return s;
}

describe('Coordinator > LocalMetadataStore', () => {
  it('persists every persistent znode of the layout and restores it after a restart', async () => {
    const file = new MemFile();
    const a = await open(file);
    expect(file.writes).toBe(1); // the initial snapshot
    await a.createTopic({ name: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', assignment: new Map([[0, [1]], [1, [1]]]), configs: { 'retention.ms': '5' } });
    const fence = (await a.tryElectController(1))!;
    await a.writePartitionStates(fence, [{ topic: 't', partition: 0, expectedVersion: -1, state: st(1, 3, 1) }]);
    await a.setAssignment(fence, 't', new Map([[0, [2, 1]], [1, [1]]]), new Map([[0, [2]]]), new Map());
    await a.addPartitions('t', new Map([[2, [1]]]));
    await a.setBrokerConfigs(null, { 'log.retention.bytes': '100' });
    await a.setBrokerConfigs(1, { 'num.io.threads': '3' });
    await a.markTopicForDeletion('t');
    expect(await a.nextBrokerSequence()).toBe(1);
    await a.close();

    const b = await open(file);
    expect(b.clusterId()).toBe(a.clusterId());
    const t = b.topic('t')!;
    expect(b.topicById('AAAAAAAAAAAAAAAAAAAAAQ')?.name).toBe('t');
    expect([...t.assignment]).toEqual([[0, [2, 1]], [1, [1]], [2, [1]]]);
    expect([...t.addingReplicas]).toEqual([[0, [2]]]);
    expect(t.configs).toEqual({ 'retention.ms': '5' });
    expect([...(await b.readPartitionStates('t'))]).toEqual([[0, { ...st(1, 3, 1), version: 0 }]]);
    expect(b.brokerConfigs(null)).toEqual({ 'log.retention.bytes': '100' });
    expect(b.brokerConfigs(1)).toEqual({ 'num.io.threads': '3' });
    expect(b.topicsMarkedForDeletion()).toEqual(['t']);
    expect(await b.nextBrokerSequence()).toBe(2);
    // The controller epoch survives the restart: the old fence is stale for good.
    expect(await b.tryElectController(1)).toEqual({ controllerEpoch: 2, epochVersion: 2 });
    await expect(b.deleteTopic(fence, 't')).rejects.toThrow(/controller epoch znode version is 2/);
  });

  it('keeps broker epochs growing across restarts but not the registrations or the controller', async () => {
    const file = new MemFile();
    const a = await open(file);
    const first = await a.registerBroker({ brokerId: 1, endpoints: EP, rack: null });
    await a.tryElectController(1);
    const b = await open(file); // a restart (the old process is gone)
    expect(b.liveBrokers()).toEqual([]);
    expect(b.controllerId()).toBe(-1);
    const second = await b.registerBroker({ brokerId: 1, endpoints: EP, rack: null });
    expect(second.brokerEpoch).toBeGreaterThan(first.brokerEpoch);
  });

  it('keeps handing out new producer id blocks after a restart', async () => {
    const file = new MemFile();
    const a = await open(file);
    expect((await a.allocateProducerIdBlock(1)).firstProducerId).toBe(0n);
    expect((await a.allocateProducerIdBlock(1)).firstProducerId).toBe(1000n);
    await a.close();
    const b = await open(file);
    expect((await b.allocateProducerIdBlock(1)).firstProducerId).toBe(2000n);
    await b.close();
  });

  it('upgrades a version 1 snapshot written by the first release', async () => {
    const file = new MemFile();
    file.text = JSON.stringify({
      version: 1,
      clusterId: 'cluster-v1-aaaaaaaaaaa',
      topics: [{ name: 'old', topicId: 'AAAAAAAAAAAAAAAAAAAAAw', assignment: { '0': [0], '1': [0] }, configs: { 'cleanup.policy': 'compact' }, isInternal: false }],
      partitionStates: { 'old/0': { leader: 0, leaderEpoch: 4, isr: [0], controllerEpoch: 3, version: 7 } },
      brokerConfigs: { '<default>': { 'log.retention.ms': '1' } },
    });
    const s = await open(file);
    expect(s.clusterId()).toBe('cluster-v1-aaaaaaaaaaa');
    const t = s.topic('old')!;
    expect([...t.assignment]).toEqual([[0, [0]], [1, [0]]]);
    expect(t.addingReplicas.size + t.removingReplicas.size).toBe(0);
    expect(t.configs).toEqual({ 'cleanup.policy': 'compact' });
    expect([...(await s.readPartitionStates('old'))]).toEqual([[0, { leader: 0, leaderEpoch: 4, isr: [0], controllerEpoch: 3, leaderRecoveryState: 0, version: 7 }]]);
    expect(s.brokerConfigs(null)).toEqual({ 'log.retention.ms': '1' });
    expect(s.topicsMarkedForDeletion()).toEqual([]);
    // The next controller is newer than the one that wrote the states it finds.
    const fence = (await s.tryElectController(0))!;
    expect(fence.controllerEpoch).toBe(4);
    // The next write stores version 2.
    await s.setTopicConfigs('old', {});
    expect(JSON.parse(file.text!)).toMatchObject({ version: 2, controllerEpoch: { epoch: 4, version: 4 }, topicsMarkedForDeletion: [] });
  });

  it('refuses a corrupt or unknown snapshot with a clear error', async () => {
    const file = new MemFile();
    file.text = '{not json';
    await expect(new LocalMetadataStore(file).start()).rejects.toThrow(/metadata snapshot is not valid JSON/);
    file.text = JSON.stringify({ version: 9, clusterId: 'x' });
    await expect(new LocalMetadataStore(file).start()).rejects.toThrow(/unsupported version 9/);
  });

  it('persists before it announces, so a listener never sees a change the file lacks', async () => {
    const file = new MemFile();
    const s = await open(file);
    const seen: string[] = [];
    s.onChange(() => seen.push(file.text!));
    await s.createTopic({ name: 'x', topicId: 'AAAAAAAAAAAAAAAAAAAAAg', assignment: new Map([[0, [0]]]), configs: {} });
    expect(seen).toHaveLength(1);
    expect(JSON.parse(seen[0]!).topics.map((t: { name: string }) => t.name)).toEqual(['x']);
  });
});
