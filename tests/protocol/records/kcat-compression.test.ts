/**
 * Compression as librdkafka really produces it: kcat produces to a fake broker (a few hand-encoded
 * responses), the Produce request's records are captured, and our batch view, codecs and record
 * decoder must read them back.
 */
import { spawn } from 'child_process';
import { walkBatches } from '../../../protocol/records/batch-iterator';
import { decompress } from '../../../protocol/records/compression';
import { CompressionType } from '../../../protocol/records/record-batch';
import { readRecords } from '../../../protocol/records/record';
import { isXerialFramed } from '../../../protocol/records/snappy-xerial';
import { messageSetToRecordBatch } from '../../../protocol/records/legacy-conversion';
import { readMessageSet } from '../../../protocol/records/legacy-message-set';
import { FakeProduceServer, MAGIC_V0_APIS, MAGIC_V1_APIS, MODERN_APIS, type ApiRange } from './fake-produce-server';
import { requireKcat } from '../../helpers/require-kcat';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lz4Utils = require('lz4').utils as { descriptorChecksum(b: Buffer): number };


const LINES = Array.from({ length: 300 }, (_, i) =>
  JSON.stringify({ id: i, user: `user-${i % 17}`, event: i % 3 === 0 ? 'click' : 'view', path: `/products/${i % 41}`, ok: true }),
);

async function produceWithKcat(codec: string, apis: ApiRange[] = MODERN_APIS): Promise<{ records: Buffer; apiVersion: number }> {
  const server = new FakeProduceServer('gregor-t', apis);
  const port = await server.start();
  const kcat = spawn(
    'kcat',
    ['-P', '-b', `127.0.0.1:${port}`, '-t', 'gregor-t', '-p', '0', '-z', codec, '-X', 'linger.ms=200', '-X', 'batch.num.messages=10000'],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  kcat.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  kcat.stdin.end(LINES.join('\n') + '\n');
  try {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no Produce from kcat: ${stderr}`)), 10_000).unref());
    await Promise.race([server.waitForProduce(), timeout]);
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        kcat.kill();
        resolve();
      }, 5000);
      kcat.on('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  } finally {
    if (kcat.exitCode === null) kcat.kill();
    await server.stop();
  }
  expect(server.captured.length).toBeGreaterThan(0);
  const all = Buffer.concat(server.captured.map((c) => c.records));
  return { records: all, apiVersion: server.captured[0]!.apiVersion };
}

const CASES: Array<[string, CompressionType]> = [
  ['gzip', CompressionType.Gzip],
  ['snappy', CompressionType.Snappy],
  ['lz4', CompressionType.Lz4],
  ['zstd', CompressionType.Zstd],
];

describe('Protocol > Records > compression from librdkafka (kcat -z)', () => {
  beforeAll(() => requireKcat());

  test.each(CASES)('kcat -z %s', async (codec, type) => {
    const { records, apiVersion } = await produceWithKcat(codec);
    expect(apiVersion).toBeGreaterThanOrEqual(3);
    const walk = walkBatches(records);
    expect(walk.stop.reason).toBe('end');
    const values: string[] = [];
    for (const b of walk.batches) {
      const v = b.view!;
      expect(v.isValidCrc()).toBe(true);
      expect(v.compression).toBe(type);
      const payload = v.recordsData;
      const inflated = decompress(type, payload);
      expect(inflated.length).toBeGreaterThan(payload.length); // really compressed
      if (type === CompressionType.Snappy) {
        // librdkafka writes raw snappy blocks for magic 2 (it reads xerial too); we accept both.
        expect(isXerialFramed(payload)).toBe(false);
      }
      if (type === CompressionType.Lz4) {
        expect(payload.readUInt32LE(0)).toBe(0x184d2204); // LZ4 frame format
      }
      for (const r of readRecords(v)) values.push(r.value!.toString());
    }
    expect(values).toEqual(LINES);
  }, 30_000);

  const LEGACY: Array<[string, 0 | 1, ApiRange[], string, CompressionType]> = [];
  for (const [magic, apis] of [
    [0, MAGIC_V0_APIS],
    [1, MAGIC_V1_APIS],
  ] as const) {
    for (const [codec, type] of [['none', CompressionType.None], ...CASES.slice(0, 3)] as Array<[string, CompressionType]>) {
      LEGACY.push([`magic ${magic}, -z ${codec}`, magic, apis, codec, type]);
    }
  }

  test.each(LEGACY)('legacy message set from kcat: %s', async (_name, magic, apis, codec, type) => {
    const { records, apiVersion } = await produceWithKcat(codec, apis);
    expect(apiVersion).toBeLessThanOrEqual(2);
    expect(records[16]).toBe(magic);
    expect(records[17]! & 7).toBe(type);
    if (type === CompressionType.Lz4) {
      // librdkafka reproduces Kafka's magic-0 bug: the frame header checksum also covers the magic.
      const frame = records.subarray(magic === 1 ? 34 : 26);
      const hc = lz4Utils.descriptorChecksum(frame.subarray(magic === 1 ? 4 : 0, 6));
      expect(frame[6]).toBe(hc);
    }
    const read = readMessageSet(records);
    expect(read.partial).toBe(false);
    expect(read.messages.every((m) => m.magic === magic)).toBe(true);
    expect(read.messages.map((m) => m.value!.toString())).toEqual(LINES);
    if (magic === 1) expect(read.messages.every((m) => m.timestamp > 1_500_000_000_000n)).toBe(true);
    const batch = messageSetToRecordBatch(records);
    expect(readRecords(batch).map((r) => r.value!.toString())).toEqual(LINES);
  }, 30_000);
});
