/**
 * Integration > Produce data guarantees (Kafka 3.9's LogValidator / UnifiedLog / KafkaApis):
 * CreateTime windows, keys on compacted topics, recompression to compression.type, base offsets
 * and magic, and acks=0 closing the connection on failure. kafkajs where it can show the
 * behaviour, the raw client for what kafkajs (Produce v7) cannot see (recordErrors, acks=0).
 */
import net from 'net';
import { CompressionTypes, Kafka, logLevel, type EachMessagePayload, type Producer } from 'kafkajs';
import { ApiKey } from '../../protocol/generated/api-keys';
import { ErrorCode } from '../../protocol/errors';
import { FrameDecoder } from '../../protocol/frame';
import { encodeRequest } from '../../protocol/header';
import { defaultFetchPartition, defaultFetchRequest, type FetchRequest } from '../../protocol/generated/fetch-request';
import type { FetchResponse } from '../../protocol/generated/fetch-response';
import { defaultMetadataRequest } from '../../protocol/generated/metadata-request';
import { defaultPartitionProduceData, defaultProduceRequest, type ProduceRequest } from '../../protocol/generated/produce-request';
import type { PartitionProduceResponse, ProduceResponse } from '../../protocol/generated/produce-response';
import { iterateBatches } from '../../protocol/records/batch-iterator';
import { buildMessageSet } from '../../protocol/records/legacy-message-set';
import { buildRecordBatch, readRecords } from '../../protocol/records/record';
import { CompressionType, RecordBatchView } from '../../protocol/records/record-batch';
import { RawClient } from '../../bench/raw-client';
import { registerKafkajsCodecs, startTestBroker, waitFor, type TestBroker } from './helpers';

process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
jest.setTimeout(60000);

const HOUR = 3_600_000;

describe('Integration > Produce data guarantees', () => {
  let broker: TestBroker;
  let client: RawClient;
  let kafka: Kafka;
  let producer: Producer;

  const createTopic = (name: string, configs: Record<string, string> = {}, numPartitions = 1) =>
    broker.services.topicAdmin.createTopic({ name, numPartitions, replicationFactor: 1, assignments: new Map(), configs }, false);

  const produceReq = (topic: string, records: Buffer, acks = 1, partition = 0): ProduceRequest => ({
    ...defaultProduceRequest(),
    acks,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ ...defaultPartitionProduceData(), index: partition, records }] }],
  });
  const produce = async (topic: string, records: Buffer, version = 11): Promise<PartitionProduceResponse> =>
    (await client.request<ProduceRequest, ProduceResponse>(ApiKey.Produce, version, produceReq(topic, records))).responses[0]!.partitionResponses[0]!;

  /** The stored batches of partition 0 from offset 0 (raw Fetch v12: the bytes as stored). */
  const storedBatches = async (topic: string): Promise<RecordBatchView[]> => {
    const r = await client.request<FetchRequest, FetchResponse>(ApiKey.Fetch, 12, {
      ...defaultFetchRequest(),
      maxBytes: 1 << 20,
      topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ ...defaultFetchPartition(), partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
    });
    return [...iterateBatches(r.responses[0]!.partitions[0]!.records!)].map((e) => e.view!);
  };

  /** What a kafkajs producer's send is refused with (its error type), or 'ok'. */
  const sendOutcome = async (topic: string, messages: { key?: string | null; value: string; timestamp?: string }[], compression = CompressionTypes.None): Promise<string> => {
    try {
      await producer.send({ topic, compression, acks: 1, messages: messages.map((m) => ({ partition: 0, ...m })) });
      return 'ok';
    } catch (e) {
      return (e as { type?: string }).type ?? String(e);
    }
  };

  beforeAll(async () => {
    registerKafkajsCodecs();
    // broker level: the legacy difference.max.ms, which before/after.max.ms fall back to
    broker = await startTestBroker({ config: { 'auto.create.topics.enable': 'false', 'log.message.timestamp.difference.max.ms': String(24 * HOUR) } });
    client = await RawClient.connect(broker.port);
    kafka = new Kafka({ clientId: 'pv', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    client.close();
    await broker.destroy();
  });

  describe('message.timestamp.*.max.ms with CreateTime', () => {
    it('refuses a batch with a record outside the topic window: INVALID_TIMESTAMP, each bad record indexed', async () => {
      await createTopic('ts-window', { 'message.timestamp.before.max.ms': String(HOUR), 'message.timestamp.after.max.ms': String(HOUR) });
      const now = Date.now();
      expect(await sendOutcome('ts-window', [{ value: 'a', timestamp: String(now) }, { value: 'old', timestamp: String(now - 2 * HOUR) }])).toBe('INVALID_TIMESTAMP');
      expect(await sendOutcome('ts-window', [{ value: 'ok', timestamp: String(now - HOUR / 2) }], CompressionTypes.GZIP)).toBe('ok');

      const batch = buildRecordBatch({
        compression: CompressionType.Gzip,
        records: [{ value: 'fine', timestamp: now }, { value: 'future', timestamp: now + 2 * HOUR }, { value: 'past', timestamp: now - 2 * HOUR }],
        maxTimestamp: BigInt(now), // the header alone looks fine: each record is checked
      });
      const r = await produce('ts-window', batch);
      expect(r.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
      expect(r.errorMessage).toBe('One or more records have been rejected due to invalid timestamp');
      expect(r.recordErrors.map((e) => e.batchIndex)).toEqual([1, 2]);
      expect(r.recordErrors[0]!.batchIndexErrorMessage).toMatch(new RegExp(`^Timestamp ${now + 2 * HOUR} of message with offset 1 is out of range\\. The timestamp should be within \\[\\d+, \\d+\\]$`));
      expect(r.baseOffset).toBe(-1n);
      expect((await storedBatches('ts-window')).map((v) => readRecords(v).map((x) => x.value!.toString()))).toEqual([['ok']]);
    });

    it('the broker\'s legacy log.message.timestamp.difference.max.ms bounds topics without their own limits', async () => {
      await createTopic('ts-broker');
      const now = Date.now();
      expect(await sendOutcome('ts-broker', [{ value: 'x', timestamp: String(now - 25 * HOUR) }])).toBe('INVALID_TIMESTAMP');
      expect(await sendOutcome('ts-broker', [{ value: 'y', timestamp: String(now + 25 * HOUR) }])).toBe('INVALID_TIMESTAMP');
      expect(await sendOutcome('ts-broker', [{ value: 'z', timestamp: String(now - 23 * HOUR) }])).toBe('ok');
    });

    it('a topic\'s own message.timestamp.difference.max.ms applies when before/after are unset', async () => {
      await createTopic('ts-diff', { 'message.timestamp.difference.max.ms': '60000' });
      expect(await sendOutcome('ts-diff', [{ value: 'x', timestamp: String(Date.now() - 120_000) }])).toBe('INVALID_TIMESTAMP');
      expect(await sendOutcome('ts-diff', [{ value: 'y', timestamp: String(Date.now()) }])).toBe('ok');
    });
  });

  describe('compacted topics', () => {
    it('refuse records without a key with INVALID_RECORD and their indexes', async () => {
      await createTopic('compacted', { 'cleanup.policy': 'compact' });
      expect(await sendOutcome('compacted', [{ key: 'k', value: 'a' }, { key: null, value: 'b' }])).toBe('INVALID_RECORD');
      expect(await sendOutcome('compacted', [{ key: 'k', value: 'c' }], CompressionTypes.GZIP)).toBe('ok');
      const r = await produce('compacted', buildRecordBatch({ records: [{ key: null, value: '0' }, { key: 'k', value: '1' }, { key: null, value: '2' }] }));
      expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD);
      expect(r.recordErrors).toEqual([0, 2].map((batchIndex) => ({ batchIndex, batchIndexErrorMessage: 'Compacted topic cannot accept message without key in topic partition compacted-0' })));
      expect(r.errorMessage).toMatch(/^One or more records have been rejected due to 2 record errors in total/);
      expect(r.logStartOffset).toBe(0n); // the partition's, as Kafka answers for record errors
      expect((await storedBatches('compacted')).map((v) => readRecords(v).map((x) => x.value!.toString()))).toEqual([['c']]);
    });
  });

  describe('compression.type', () => {
    const CASES = [
      ['zstd', CompressionType.Zstd, CompressionTypes.GZIP],
      ['lz4', CompressionType.Lz4, CompressionTypes.None],
      ['uncompressed', CompressionType.None, CompressionTypes.GZIP],
      ['producer', CompressionType.Gzip, CompressionTypes.GZIP],
    ] as const;

    it.each(CASES)('compression.type=%s stores the codec it names; kafkajs reads the records back', async (name, stored, sentWith) => {
      const topic = `codec-${name}`;
      await createTopic(topic, { 'compression.type': name });
      const now = Date.now();
      const messages = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `value-${i}-`.repeat(5), timestamp: String(now - 1000 + i), headers: { h: `x${i}` } }));
      await producer.send({ topic, compression: sentWith, acks: 1, messages: messages.map((m) => ({ ...m, partition: 0 })) });

      const [v] = await storedBatches(topic);
      expect(v!.compression).toBe(stored);
      expect([v!.recordCount, v!.lastOffsetDelta, v!.baseTimestamp, v!.maxTimestamp, v!.isValidCrc()]).toEqual([20, 19, BigInt(now - 1000), BigInt(now - 981), true]);

      const consumer = kafka.consumer({ groupId: `g-${topic}`, maxWaitTimeInMs: 100 });
      const got: EachMessagePayload['message'][] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void got.push(message) });
      await waitFor(() => got.length >= messages.length, 30000, `${messages.length} messages`);
      await consumer.disconnect();
      expect(got.map((m) => [m.offset, m.key!.toString(), m.value!.toString(), m.timestamp, m.headers!['h']!.toString()])).toEqual(
        messages.map((m, i) => [String(i), m.key, m.value, m.timestamp, m.headers.h]),
      );
    });

    it('idempotence and transaction fields survive recompression', async () => {
      await createTopic('codec-txn-fields', { 'compression.type': 'lz4' });
      const sent = buildRecordBatch({ compression: CompressionType.Gzip, producerId: 77n, producerEpoch: 2, baseSequence: 0, isTransactional: true, records: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] });
      const txnReq = { ...produceReq('codec-txn-fields', sent), transactionalId: 'codec-txn' }; // transactional batches need an id
    expect((await client.request<ProduceRequest, ProduceResponse>(ApiKey.Produce, 11, txnReq)).responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
      const [v] = await storedBatches('codec-txn-fields');
      expect([v!.compression, v!.producerId, v!.producerEpoch, v!.baseSequence, v!.isTransactional]).toEqual([CompressionType.Lz4, 77n, 2, 0, true]);
    });
  });

  describe('batch shape', () => {
    it('a batch whose base offset is not 0 is INVALID_RECORD', async () => {
      await createTopic('shape');
      const b = buildRecordBatch({ baseOffset: 5n, records: [{ value: 'x' }] });
      const r = await produce('shape', b);
      expect([r.errorCode, r.errorMessage]).toEqual([ErrorCode.INVALID_RECORD, 'The baseOffset of the record batch in the append to shape-0 should be 0, but it is 5']);
      const corrupt = buildRecordBatch({ records: [{ value: 'x' }] });
      corrupt[corrupt.length - 1]! ^= 1;
      expect(await produce('shape', corrupt)).toMatchObject({ errorCode: ErrorCode.CORRUPT_MESSAGE, logStartOffset: -1n }); // Kafka's known errors carry -1
    });

    it('a magic 0/1 message set on Produce v3+ is INVALID_RECORD', async () => {
      const set = buildMessageSet([{ offset: 0n, timestamp: 1n, key: null, value: Buffer.from('a legacy message, longer than a batch header') }], { magic: 1 });
      for (const version of [3, 9]) {
        const r = await produce('shape', set, version);
        const message = version >= 8 ? `Produce requests with version ${version} are only allowed to contain record batches with magic version 2` : null; // errorMessage is v8+
        expect([r.errorCode, r.errorMessage]).toEqual([ErrorCode.INVALID_RECORD, message]);
      }
      expect(await storedBatches('shape')).toEqual([]);
    });
  });

  describe('acks=0', () => {
    /** A bare socket: acks=0 expects no answer, so only a close (or silence) can be observed. */
    const open = async () => {
      const s = net.connect({ host: '127.0.0.1', port: broker.port });
      await new Promise<void>((resolve) => s.once('connect', () => resolve()));
      const closed = new Promise<'closed'>((resolve) => s.once('close', () => resolve('closed')));
      const frames = new FrameDecoder(1 << 20);
      const answers: Buffer[] = [];
      s.on('data', (chunk: Buffer) => answers.push(...frames.push(chunk)));
      let corr = 0;
      const send = (apiKey: number, version: number, req: unknown) => s.write(Buffer.concat(encodeRequest(apiKey, version, ++corr, 'acks0', req)));
      return { s, closed, answers, send };
    };
    const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), ms))]);

    beforeAll(() => createTopic('acks0', { 'cleanup.policy': 'compact' }));

    it('a good produce keeps the connection open and is appended', async () => {
      const c = await open();
      c.send(ApiKey.Produce, 9, produceReq('acks0', buildRecordBatch({ records: [{ key: 'k', value: 'kept' }] }), 0));
      c.send(ApiKey.Metadata, 12, { ...defaultMetadataRequest(), topics: [] });
      await waitFor(() => c.answers.length === 1, 5000, 'the metadata answer');
      expect(await within(c.closed, 200)).toBe('open');
      c.s.destroy();
      expect((await storedBatches('acks0')).map((v) => readRecords(v)[0]!.value!.toString())).toEqual(['kept']);
    });

    it.each([
      ['an unknown partition', () => produceReq('acks0', buildRecordBatch({ records: [{ key: 'k', value: 'x' }] }), 0, 9)],
      ['a record the topic refuses', () => produceReq('acks0', buildRecordBatch({ records: [{ key: null, value: 'x' }] }), 0)],
      ['a corrupt batch', () => produceReq('acks0', Buffer.alloc(70), 0)],
    ])('%s closes the connection', async (_what, req) => {
      const c = await open();
      c.send(ApiKey.Produce, 9, req());
      expect(await within(c.closed, 5000)).toBe('closed');
      expect(c.answers).toEqual([]);
    });
  });
});

describe('Integration > Produce data guarantees > broker-level compression.type', () => {
  it('topics without their own compression.type store the broker\'s codec', async () => {
    const broker = await startTestBroker({ config: { 'compression.type': 'zstd', 'compression.zstd.level': '10' } });
    const client = await RawClient.connect(broker.port);
    try {
      await broker.services.topicAdmin.createTopic({ name: 'b', numPartitions: 1, replicationFactor: 1, assignments: new Map(), configs: {} }, false);
      const sent = buildRecordBatch({ compression: CompressionType.Gzip, records: [{ key: 'k', value: 'v' }] });
      const r = await client.request<ProduceRequest, ProduceResponse>(ApiKey.Produce, 9, {
        ...defaultProduceRequest(),
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: 'b', partitionData: [{ ...defaultPartitionProduceData(), index: 0, records: sent }] }],
      });
      expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
      const f = await client.request<FetchRequest, FetchResponse>(ApiKey.Fetch, 12, {
        ...defaultFetchRequest(),
        maxBytes: 1 << 20,
        topics: [{ topic: 'b', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ ...defaultFetchPartition(), partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
      });
      const [v] = [...iterateBatches(f.responses[0]!.partitions[0]!.records!)].map((e) => e.view!);
      expect(v!.compression).toBe(CompressionType.Zstd);
      expect(readRecords(v!).map((x) => [x.key!.toString(), x.value!.toString()])).toEqual([['k', 'v']]);
    } finally {
      client.close();
      await broker.destroy();
    }
  });
});
