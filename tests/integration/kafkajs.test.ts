import { CompressionTypes, Kafka, logLevel, type Admin, type EachMessagePayload, type IHeaders } from 'kafkajs';
import { registerKafkajsCodecs, startTestBroker, waitFor, type TestBroker } from './helpers';

process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
jest.setTimeout(60000);

const CODECS: [string, CompressionTypes][] = [
  ['none', CompressionTypes.None],
  ['gzip', CompressionTypes.GZIP],
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
];

interface Sent {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
  timestamp: string;
}

function makeMessages(n: number, tag: string): Sent[] {
  const base = 1_700_000_000_000;
  return Array.from({ length: n }, (_, i): Sent => ({
    key: i % 5 === 0 ? null : Buffer.from(`key-${tag}-${i}`),
    value: i % 7 === 3 ? null : Buffer.from(Array.from({ length: 20 + (i % 50) }, (_, j) => (i * 31 + j) & 0xff)),
    headers: i % 3 === 0 ? { h1: Buffer.from(`v${i}`), 'h-2': Buffer.from([0, 1, 2, i & 0xff]) } : ({} as Record<string, Buffer>),
    timestamp: String(base + i * 1000),
  }));
}

describe('Integration > kafkajs 2.2.4', () => {
  let broker: TestBroker;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    registerKafkajsCodecs();
    broker = await startTestBroker({ config: { 'auto.create.topics.enable': 'false', 'message.max.bytes': '200000' } });
    kafka = new Kafka({ clientId: 'it', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.disconnect();
    await broker.destroy();
  });

  it.each(CODECS)('produces (%s) keys, headers, null values and timestamps and a consumer reads them back byte-exact in order', async (name, compression) => {
    const topic = `codec-${name}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    const sent = makeMessages(300, name);
    for (let i = 0; i < sent.length; i += 100) {
      await producer.send({ topic, compression, messages: sent.slice(i, i + 100).map((m) => ({ ...m, partition: 0 })) });
    }
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `g-${name}`, maxWaitTimeInMs: 100 });
    const got: EachMessagePayload['message'][] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message) });
    await waitFor(() => got.length >= sent.length, 30000, `${sent.length} messages`);
    await consumer.disconnect();

    expect(got.length).toBe(sent.length);
    got.forEach((m, i) => {
      const s = sent[i]!;
      expect(m.offset).toBe(String(i));
      expect(m.key).toEqual(s.key);
      expect(m.value).toEqual(s.value);
      expect(m.timestamp).toBe(s.timestamp);
      const headers = m.headers as IHeaders;
      expect(Object.keys(headers).sort()).toEqual(Object.keys(s.headers).sort());
      for (const [k, v] of Object.entries(s.headers)) expect(headers[k]).toEqual(v);
    });
  });

  it('creates, lists, describes and deletes topics, and grows partitions', async () => {
    expect(await admin.createTopics({ topics: [{ topic: 'adm-1', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] })).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'adm-1' }] })).toBe(false); // already exists: kafkajs returns false
    expect(await admin.listTopics()).toEqual(expect.arrayContaining(['adm-1']));
    await admin.createPartitions({ topicPartitions: [{ topic: 'adm-1', count: 5 }] });
    const md = await admin.fetchTopicMetadata({ topics: ['adm-1'] });
    expect(md.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(md.topics[0]!.partitions.every((p) => p.leader === broker.brokerId)).toBe(true);
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'adm-1', count: 2 }] })).rejects.toThrow(/higher than the requested|INVALID_PARTITIONS|partitions/i);
    await admin.deleteTopics({ topics: ['adm-1'] });
    await waitFor(async () => !(await admin.listTopics()).includes('adm-1'), 5000, 'topic deleted');
  });

  it('refuses invalid topics, configs and replication factors with Kafka error codes', async () => {
    const err = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return e as { type?: string; errors?: { type: string }[] };
      }
      throw new Error('expected a failure');
    };
    const bad = await err(admin.createTopics({ topics: [{ topic: 'bad name!' }] }));
    expect(JSON.stringify(bad.errors ?? bad)).toContain('INVALID_TOPIC_EXCEPTION');
    const badCfg = await err(admin.createTopics({ topics: [{ topic: 'cfg-bad', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }));
    expect(JSON.stringify(badCfg.errors ?? badCfg)).toContain('INVALID_CONFIG');
    const badRf = await err(admin.createTopics({ topics: [{ topic: 'rf-bad', replicationFactor: 3 }] }));
    expect(JSON.stringify(badRf.errors ?? badRf)).toContain('INVALID_REPLICATION_FACTOR');
    expect(await admin.listTopics()).not.toEqual(expect.arrayContaining(['cfg-bad', 'rf-bad']));
    // validateOnly creates nothing
    expect(await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'only-validated' }] })).toBe(true);
    expect(await admin.listTopics()).not.toContain('only-validated');
  });

  it('describes and alters topic and broker configs', async () => {
    await admin.createTopics({ topics: [{ topic: 'cfg-1', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    const d = await admin.describeConfigs({ includeSynonyms: true, resources: [{ type: 2, name: 'cfg-1' }] });
    const entries = d.resources[0]!.configEntries;
    const byName = new Map(entries.map((e) => [e.configName, e]));
    expect(byName.get('cleanup.policy')).toMatchObject({ configValue: 'compact', isDefault: false, configSource: 1 });
    expect(byName.get('retention.ms')).toMatchObject({ configValue: '604800000', configSource: 5 });
    expect(byName.get('max.message.bytes')).toMatchObject({ configValue: '200000', configSource: 4 });
    expect(byName.get('max.message.bytes')!.configSynonyms.map((s) => s.configName)).toEqual(['message.max.bytes', 'message.max.bytes']);
    expect(entries.length).toBeGreaterThan(25);

    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'cfg-1', configEntries: [{ name: 'retention.ms', value: '1000' }] }] });
    const after = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'cfg-1', configNames: ['retention.ms', 'cleanup.policy'] }] });
    const a = new Map(after.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    expect(a.get('retention.ms')).toBe('1000');
    expect(a.get('cleanup.policy')).toBe('delete'); // AlterConfigs replaces the whole set

    const broker0 = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 4, name: String(broker.brokerId) }] });
    const bm = new Map(broker0.resources[0]!.configEntries.map((e) => [e.configName, e]));
    expect(bm.get('auto.create.topics.enable')).toMatchObject({ configValue: 'false', readOnly: true });
    expect(bm.get('num.partitions')).toMatchObject({ configValue: '1', isDefault: true });
    await expect(admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'cfg-1', configEntries: [{ name: 'no.such.config', value: '1' }] }] })).rejects.toThrow();
  });

  it('fetches offsets by time, deletes records, and reports unknown topics', async () => {
    const topic = 'times';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}`, timestamp: String(1_000_000 + i * 100) })) });
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, 1_000_000 + 450)).toEqual([{ partition: 0, offset: '5' }]);
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, 1_000_000)).toEqual([{ partition: 0, offset: '0' }]);
    // No record that late: the broker answers -1 and kafkajs substitutes the latest offset.
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, 9_999_999_999_999)).toEqual([{ partition: 0, offset: '10' }]);
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] });
    expect(await admin.fetchTopicOffsets(topic)).toEqual([{ partition: 0, offset: '10', high: '10', low: '4' }]);

    // auto.create.topics.enable=false: producing to a missing topic fails, and nothing is created
    await expect(producer.send({ topic: 'missing-topic', messages: [{ value: 'x' }] })).rejects.toThrow(/not host this topic-partition|UNKNOWN_TOPIC|does not exist/i);
    expect(await admin.listTopics()).not.toContain('missing-topic');
    await producer.disconnect();
  });

  it('rejects a message larger than max.message.bytes but keeps the other partitions', async () => {
    const topic = 'big';
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    await expect(producer.send({ topic, messages: [{ partition: 0, value: Buffer.alloc(300_000, 7) }] })).rejects.toThrow(/MESSAGE_TOO_LARGE|larger than/i);
    const ok = await producer.send({ topic, messages: [{ partition: 1, value: 'small' }] });
    expect(ok[0]).toMatchObject({ errorCode: 0, baseOffset: '0' });
    await producer.disconnect();
    expect(await admin.fetchTopicOffsets(topic)).toEqual(
      expect.arrayContaining([{ partition: 0, offset: '0', high: '0', low: '0' }, { partition: 1, offset: '1', high: '1', low: '0' }]),
    );
  });

  it('answers OFFSET_OUT_OF_RANGE for a fetch beyond the log end (consumer resets)', async () => {
    const topic = 'oor';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] });
    await producer.disconnect();
    const group = 'oor-group';
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '100' }] });
    const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 100 });
    const got: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    // kafkajs resets to the earliest offset after OFFSET_OUT_OF_RANGE (fromBeginning).
    await waitFor(() => got.length >= 2, 20000, 'messages after reset');
    await consumer.disconnect();
    expect(got).toEqual(['a', 'b']);
  });
});
