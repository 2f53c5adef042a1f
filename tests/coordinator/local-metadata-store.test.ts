import { ErrorCode, KafkaError } from '../../protocol/errors';
import { LocalMetadataStore, type MetadataFile } from '../../coordinator/local-metadata-store';
import type { MetadataEvent } from '../../coordinator/metadata-store';

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

describe('Coordinator > LocalMetadataStore', () => {
  it('persists topics, partition states and configs, and restores them', async () => {
    const file = new MemFile();
    const a = new LocalMetadataStore(file);
    await a.start();
    const events: MetadataEvent['type'][] = [];
    a.onChange((e) => events.push(e.type));
    await a.createTopic({ name: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', assignment: new Map([[0, [1]], [1, [1]]]), configs: { 'retention.ms': '5' } });
    await a.setPartitionState('t', 0, { leader: 1, leaderEpoch: 3, isr: [1], controllerEpoch: 1 });
    await a.addPartitions('t', new Map([[2, [1]]]));
    await a.setBrokerConfigs(null, { 'log.retention.bytes': '100' });
    expect(events).toEqual(['topic-created', 'partition-state-changed', 'partitions-added', 'broker-config-changed']);
    expect(file.writes).toBe(5); // initial snapshot + 4 writes

    const b = new LocalMetadataStore(file);
    await b.start();
    expect(b.clusterId()).toBe(a.clusterId());
    const t = b.topic('t')!;
    expect(t.topicId).toBe('AAAAAAAAAAAAAAAAAAAAAQ');
    expect([...t.assignment]).toEqual([[0, [1]], [1, [1]], [2, [1]]]);
    expect(t.configs).toEqual({ 'retention.ms': '5' });
    expect(b.topicById('AAAAAAAAAAAAAAAAAAAAAQ')?.name).toBe('t');
    expect(b.partitionState('t', 0)).toEqual({ leader: 1, leaderEpoch: 3, isr: [1], controllerEpoch: 1, version: 0 });
    expect(b.brokerConfigs(null)).toEqual({ 'log.retention.bytes': '100' });
  });

  it('answers with Kafka error codes and removes partition states with the topic', async () => {
    const s = new LocalMetadataStore(new MemFile());
    await s.start();
    await s.createTopic({ name: 'x', topicId: 'AAAAAAAAAAAAAAAAAAAAAg', assignment: new Map([[0, [0]]]), configs: {} });
    await expect(s.createTopic({ name: 'x', topicId: 'AAAAAAAAAAAAAAAAAAAAAw', assignment: new Map([[0, [0]]]), configs: {} })).rejects.toMatchObject({ code: ErrorCode.TOPIC_ALREADY_EXISTS });
    await expect(s.setPartitionState('x', 5, { leader: 0, leaderEpoch: 0, isr: [0], controllerEpoch: 1 })).rejects.toBeInstanceOf(KafkaError);
    await s.setPartitionState('x', 0, { leader: 0, leaderEpoch: 0, isr: [0], controllerEpoch: 1 });
    const again = await s.setPartitionState('x', 0, { leader: 0, leaderEpoch: 1, isr: [0], controllerEpoch: 1 });
    expect(again.version).toBe(1);
    await s.deleteTopic('x');
    expect(s.topic('x')).toBeUndefined();
    expect(s.partitionState('x', 0)).toBeUndefined();
    await expect(s.deleteTopic('x')).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
  });

  it('refuses a corrupt snapshot with a clear error', async () => {
    const file = new MemFile();
    file.text = '{not json';
    await expect(new LocalMetadataStore(file).start()).rejects.toThrow(/metadata snapshot is not valid JSON/);
  });
});
