import { spawn } from 'child_process';
import { CompressionTypes, Kafka, logLevel, type Producer } from 'kafkajs';
import { ApiKey } from '../../protocol/generated/api-keys';
import { defaultFetchPartition, defaultFetchRequest, type FetchRequest } from '../../protocol/generated/fetch-request';
import type { FetchResponse } from '../../protocol/generated/fetch-response';
import { readRecords } from '../../protocol/records/record';
import { walkBatches } from '../../protocol/records/batch-iterator';
import { recordBatchesToMessageSet } from '../../protocol/records/legacy-conversion';
import { readMessageSet, type LegacyMessage } from '../../protocol/records/legacy-message-set';
import { CompressionType, TimestampType } from '../../protocol/records/record-batch';
import { ErrorCode } from '../../protocol/errors';
import { registerKafkajsCodecs, startTestBroker, type TestBroker } from './helpers';
import { RawClient } from '../../bench/raw-client';
import { requireKcat } from '../helpers/require-kcat';

process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
jest.setTimeout(30000);

function legacyEntries(set: Buffer): { offset: bigint; magic: number; codec: number }[] {
  const out: { offset: bigint; magic: number; codec: number }[] = [];
  for (let pos = 0; pos + 12 <= set.length; ) {
    const size = 12 + set.readInt32BE(pos + 8);
    if (pos + size > set.length) break;
    out.push({ offset: set.readBigInt64BE(pos), magic: set.readInt8(pos + 16), codec: set.readInt8(pos + 17) & 7 });
    pos += size;
  }
  return out;
}

/** Runs kcat; resolves with stdout and stderr (rejects on a non-zero exit). */
function kcat(args: string[], timeoutMs = 30000): Promise<{ out: string; err: string }> {
  requireKcat();
  return new Promise((resolve, reject) => {
    const p = spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('close', (code) => {
      clearTimeout(timer);
      const res = { out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() };
      if (code === 0) resolve(res);
      else reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${res.err.slice(-2000)}`));
    });
  });
}

describe('Integration > Fetch v0-v3 (down-conversion) and v17', () => {
  // Recent timestamps: a segment whose first timestamp is older than segment.ms (7 days) rolls.
  const T0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  const producedAfter = BigInt(Date.now());
  let broker: TestBroker;
  let client: RawClient;
  let kafka: Kafka;
  let producer: Producer;
  const ids = new Map<string, string>();

  /** What a consumer must see in topic lg: [offset, key, value]. */
  const LG: [number, string | null, string | null][] = [
    [0, 'k0', 'v0'],
    [1, null, 'v1'],
    [2, 'k2', null],
    [3, 'k3', 'v3'],
    [4, 'k4', 'v4'.repeat(40)],
    [5, 'k5', 'v5'],
  ];

  const send = async (topic: string, compression: CompressionTypes, msgs: { key?: string | null; value: string | null; timestamp?: number; headers?: Record<string, string> }[]): Promise<void> => {
    await producer.send({ topic, acks: -1, compression, messages: msgs.map((m) => ({ partition: 0, key: m.key ?? null, value: m.value, timestamp: m.timestamp === undefined ? undefined : String(m.timestamp), headers: m.headers })) });
  };

  const fetchAt = async (version: number, topic: string, fetchOffset: bigint, o: { partitionMaxBytes?: number; maxBytes?: number; sessionEpoch?: number } = {}) => {
    const byId = version >= 13;
    const r = await client.request<FetchRequest, FetchResponse>(ApiKey.Fetch, version, {
      ...defaultFetchRequest(),
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: o.maxBytes ?? 1 << 20,
      sessionEpoch: o.sessionEpoch ?? -1,
      topics: [
        {
          topic: byId ? '' : topic,
          topicId: byId ? ids.get(topic)! : 'AAAAAAAAAAAAAAAAAAAAAA',
          partitions: [{ ...defaultFetchPartition(), partition: 0, fetchOffset, partitionMaxBytes: o.partitionMaxBytes ?? 1 << 20, replicaDirectoryId: version >= 17 ? 'AAAAAAAAAAAAAAAAAAAAAQ' : 'AAAAAAAAAAAAAAAAAAAAAA' }],
        },
      ],
    });
    return { resp: r, p: r.responses[0]!.partitions[0]! };
  };

  /** Reads a partition at a legacy version like a client: from `from` until the HW, skipping offsets below the fetch offset. */
  const consumeLegacy = async (version: number, topic: string, partitionMaxBytes = 1 << 20) => {
    const seen: LegacyMessage[] = [];
    let offset = 0n;
    for (let i = 0; i < 100; i++) {
      const { p } = await fetchAt(version, topic, offset, { partitionMaxBytes });
      expect(p.errorCode).toBe(ErrorCode.NONE);
      for (const m of readMessageSet(p.records!).messages) {
        if (m.offset < offset) continue;
        seen.push(m);
        offset = m.offset + 1n;
      }
      if (offset >= p.highWatermark) return seen;
    }
    throw new Error(`no progress consuming ${topic} at v${version}`);
  };

  const str = (b: Buffer | null) => (b === null ? null : b.toString());

  beforeAll(async () => {
    registerKafkajsCodecs();
    broker = await startTestBroker();
    const topics: [string, Record<string, string>][] = [
      ['lg', {}],
      ['lg-small', {}],
      ['lg-headers', {}],
      ['lg-z', {}],
      ['lg-mix', {}],
      ['lg-cfgz', { 'compression.type': 'zstd' }],
      ['lg-nodown', { 'message.downconversion.enable': 'false' }],
      ['lg-lat', { 'message.timestamp.type': 'LogAppendTime' }],
      ['lg-empty', {}],
    ];
    for (const [name, configs] of topics) {
      const created = await broker.services.topicAdmin.createTopic({ name, numPartitions: 1, replicationFactor: 1, assignments: new Map(), configs }, false);
      ids.set(name, created.topicId);
    }
    client = await RawClient.connect(broker.port);
    kafka = new Kafka({ clientId: 'legacy-fetch', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
    producer = kafka.producer();
    await producer.connect();
    // lg: an uncompressed batch (0-2, one record with a header), a gzip batch (3-4), an uncompressed batch (5).
    await send('lg', CompressionTypes.None, [
      { key: 'k0', value: 'v0', timestamp: T0, headers: { h: 'dropped' } },
      { key: null, value: 'v1', timestamp: T0 + 1 },
      { key: 'k2', value: null, timestamp: T0 + 2 },
    ]);
    await send('lg', CompressionTypes.GZIP, [
      { key: 'k3', value: 'v3', timestamp: T0 + 3 },
      { key: 'k4', value: 'v4'.repeat(40), timestamp: T0 + 4 },
    ]);
    await send('lg', CompressionTypes.None, [{ key: 'k5', value: 'v5', timestamp: T0 + 5 }]);
    // lg-small: one record, then two batches of 50 one-byte records (legacy messages are larger than v2 records).
    await send('lg-small', CompressionTypes.None, [{ value: '0', timestamp: T0 }]);
    for (let b = 0; b < 2; b++) await send('lg-small', CompressionTypes.None, Array.from({ length: 50 }, (_, i) => ({ value: String(i % 10), timestamp: T0 })));
    // lg-headers: one record whose header is far larger than its legacy message.
    await send('lg-headers', CompressionTypes.None, [{ key: 'k', value: 'x', timestamp: T0, headers: { big: 'h'.repeat(500) } }]);
    await send('lg-z', CompressionTypes.ZSTD, [{ key: 'z', value: 'zz', timestamp: T0 }]);
    await send('lg-mix', CompressionTypes.None, [{ value: 'm0', timestamp: T0 }, { value: 'm1', timestamp: T0 }]);
    await send('lg-mix', CompressionTypes.ZSTD, [{ value: 'm2', timestamp: T0 }, { value: 'm3', timestamp: T0 }]);
    await send('lg-lat', CompressionTypes.None, [{ key: 'a', value: 'A', timestamp: T0 - 3_600_000 }]);
    await send('lg-lat', CompressionTypes.GZIP, [{ key: 'b', value: 'B', timestamp: T0 - 3_600_000 }]);
  });
  afterAll(async () => {
    await producer?.disconnect();
    client?.close();
    await broker?.destroy();
  });

  it.each([0, 1, 2, 3])('v%i answers a magic 0/1 message set with offsets, keys, values and timestamps (gzip kept as a wrapper)', async (v) => {
    const magic = v <= 1 ? 0 : 1;
    const { p } = await fetchAt(v, 'lg', 0n);
    expect(p.errorCode).toBe(ErrorCode.NONE);
    expect(p.highWatermark).toBe(6n);
    const set = p.records!;
    const whole = legacyEntries(set);
    expect(whole.every((e) => e.magic === magic)).toBe(true);
    // Plain messages stay one entry each; the gzip batch is one wrapper carrying its last offset.
    expect(whole.slice(0, 4).map((e) => [Number(e.offset), e.codec])).toEqual([[0, 0], [1, 0], [2, 0], [4, CompressionType.Gzip]]);
    // Kafka's sizing: max(bytes read, first converted batch).
    const raw = (await fetchAt(11, 'lg', 0n)).p.records!;
    const firstRaw = walkBatches(raw).batches[0]!.buf;
    expect(set.length).toBe(Math.max(raw.length, recordBatchesToMessageSet(firstRaw, magic).length));

    const seen = await consumeLegacy(v, 'lg');
    expect(seen.map((m) => [Number(m.offset), str(m.key), str(m.value)])).toEqual(LG);
    expect(seen.every((m) => m.magic === magic)).toBe(true);
    expect(seen.map((m) => m.timestamp)).toEqual(LG.map(([o]) => (magic === 1 ? BigInt(T0 + o) : -1n)));
  });

  it('drops records below the fetch offset from an uncompressed batch, keeps a compressed batch whole', async () => {
    const mid = readMessageSet((await fetchAt(2, 'lg', 1n)).p.records!).messages;
    expect(mid.map((m) => Number(m.offset)).slice(0, 2)).toEqual([1, 2]);
    const inGzip = readMessageSet((await fetchAt(2, 'lg', 4n)).p.records!).messages;
    expect(inGzip.map((m) => Number(m.offset))).toEqual([3, 4, 5]);
  });

  it('cuts converted data that outgrows the bytes read (partial message at the end), and a client still reads everything', async () => {
    const raw = (await fetchAt(11, 'lg-small', 0n)).p.records!;
    const batches = walkBatches(raw).batches;
    expect(batches.map((b) => b.view!.recordCount)).toEqual([1, 50, 50]);
    const converted = batches.map((b) => recordBatchesToMessageSet(b.buf, 1));
    expect(converted.reduce((n, c) => n + c.length, 0)).toBeGreaterThan(raw.length); // legacy messages are bigger
    const { p } = await fetchAt(3, 'lg-small', 0n);
    expect(p.records!.length).toBe(Math.max(raw.length, converted[0]!.length));
    const read = readMessageSet(p.records!);
    expect(read.partial).toBe(true);
    expect(read.messages.map((m) => Number(m.offset))).toEqual(Array.from({ length: read.messages.length }, (_, i) => i));
    expect(read.messages.length).toBeLessThan(101);
    const seen = await consumeLegacy(3, 'lg-small');
    expect(seen.map((m) => Number(m.offset))).toEqual(Array.from({ length: 101 }, (_, i) => i));
    expect(seen.map((m) => str(m.value))).toEqual(Array.from({ length: 101 }, (_, i) => String(i === 0 ? 0 : (i - 1) % 10)));
  });

  it('pads converted data that is smaller than the bytes read with an overflow entry clients skip', async () => {
    const raw = (await fetchAt(11, 'lg-headers', 0n)).p.records!;
    const { p } = await fetchAt(1, 'lg-headers', 0n);
    const set = p.records!;
    expect(set.length).toBe(raw.length);
    const read = readMessageSet(set);
    expect(read.messages.map((m) => [str(m.key), str(m.value)])).toEqual([['k', 'x']]);
    expect(read.partial).toBe(true);
    expect(set.readBigInt64BE(read.validBytes)).toBe(-1n);
    expect(set.readInt32BE(read.validBytes + 8)).toBeGreaterThan(set.length - read.validBytes - 12);
  });

  it('applies hard byte limits at v0-v2 (an overflow entry only) but returns the first batch at v3', async () => {
    for (const v of [0, 1, 2]) {
      const { p } = await fetchAt(v, 'lg', 0n, { partitionMaxBytes: 20 });
      expect(p.errorCode).toBe(ErrorCode.NONE);
      expect(p.records!.length).toBe(12);
      expect(readMessageSet(p.records!)).toMatchObject({ messages: [], partial: true });
    }
    const { p } = await fetchAt(3, 'lg', 0n, { partitionMaxBytes: 20, maxBytes: 20 });
    expect(readMessageSet(p.records!).messages.map((m) => Number(m.offset))).toEqual([0, 1, 2]);
  });

  it('answers an empty partition with a 12-byte overflow entry and no messages', async () => {
    const { p } = await fetchAt(1, 'lg-empty', 0n);
    expect(p.errorCode).toBe(ErrorCode.NONE);
    expect(p.highWatermark).toBe(0n);
    expect(p.records!.length).toBe(12);
    expect(p.records!.readBigInt64BE(0)).toBe(-1n);
  });

  it('keeps LogAppendTime: v1 messages carry the append time and the timestamp-type bit', async () => {
    const seen = await consumeLegacy(2, 'lg-lat');
    expect(seen.map((m) => [str(m.key), str(m.value)])).toEqual([['a', 'A'], ['b', 'B']]);
    for (const m of seen) {
      expect(m.timestampType).toBe(TimestampType.LogAppendTime);
      expect(m.timestamp).toBeGreaterThanOrEqual(producedAfter);
    }
  });

  it('answers UNSUPPORTED_COMPRESSION_TYPE at v0-v3 when the first batch is zstd, and serves v4+', async () => {
    for (const v of [0, 1, 2, 3]) {
      const { p } = await fetchAt(v, 'lg-z', 0n);
      expect(p.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
      expect(p.records!.length).toBe(0);
    }
    const { p } = await fetchAt(4, 'lg-z', 0n);
    expect(p.errorCode).toBe(ErrorCode.NONE);
    expect(walkBatches(p.records!).batches[0]!.view!.compression).toBe(CompressionType.Zstd);
  });

  it('ends the data before a later zstd batch; fetching from it gets UNSUPPORTED_COMPRESSION_TYPE', async () => {
    const first = await fetchAt(1, 'lg-mix', 0n);
    expect(first.p.errorCode).toBe(ErrorCode.NONE);
    const read = readMessageSet(first.p.records!);
    expect(read.messages.map((m) => [Number(m.offset), str(m.value)])).toEqual([[0, 'm0'], [1, 'm1']]);
    const next = await fetchAt(1, 'lg-mix', 2n);
    expect(next.p.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  });

  it('refuses v0-v9 for compression.type=zstd topics and v0-v3 when down-conversion is disabled', async () => {
    expect((await fetchAt(9, 'lg-cfgz', 0n)).p.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect((await fetchAt(2, 'lg-cfgz', 0n)).p.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect((await fetchAt(10, 'lg-cfgz', 0n)).p.errorCode).toBe(ErrorCode.NONE);
    expect((await fetchAt(3, 'lg-nodown', 0n)).p.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect((await fetchAt(4, 'lg-nodown', 0n)).p.errorCode).toBe(ErrorCode.NONE);
  });

  it('serves v17 (replicaDirectoryId accepted) exactly like v16, sessions included', async () => {
    const v16 = await fetchAt(16, 'lg', 0n);
    const v17 = await fetchAt(17, 'lg', 0n);
    expect(v17.resp.errorCode).toBe(ErrorCode.NONE);
    expect(v17.resp.responses[0]!.topicId).toBe(ids.get('lg'));
    expect(v17.p.errorCode).toBe(ErrorCode.NONE);
    expect(v17.p.highWatermark).toBe(v16.p.highWatermark);
    expect(v17.p.records!.equals(v16.p.records!)).toBe(true);
    const values = walkBatches(v17.p.records!).batches.flatMap((b) => readRecords(b.view!).map((r) => str(r.value)));
    expect(values).toEqual(LG.map(([, , value]) => value));
    const session = await fetchAt(17, 'lg', 6n, { sessionEpoch: 0 });
    expect(session.resp.sessionId).not.toBe(0);
  });

  it.each([
    ['0.8.2', 0],
    ['0.9.0', 1],
  ])('kcat with broker.version.fallback=%s consumes with Fetch v%i byte-exact', async (fallback, version) => {
    const { out, err } = await kcat([
      '-b', broker.bootstrap, '-C', '-t', 'lg', '-p', '0', '-o', 'beginning', '-e', '-f', '%o|%k|%s\\n',
      '-X', 'api.version.request=false', '-X', `broker.version.fallback=${fallback}`, '-d', 'protocol',
    ]);
    expect(err).toContain(`Sent FetchRequest (v${version},`);
    expect(err).not.toMatch(/Sent FetchRequest \(v([2-9]|1\d)/);
    expect(out.split('\n').filter((l) => l !== '')).toEqual(LG.map(([o, k, v]) => `${o}|${k ?? ''}|${v ?? ''}`));
  });
});
