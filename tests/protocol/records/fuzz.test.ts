/**
 * Fuzz: random and mutated bytes through every records decoder. Each call must return a value or
 * throw a KafkaError (typed code): never another exception, a hang, or an allocation beyond the
 * decompression limit.
 */
import { KafkaError } from '../../../protocol/errors';
import { walkBatches } from '../../../protocol/records/batch-iterator';
import { compress, decompress } from '../../../protocol/records/compression';
import { readControlRecordType, readEndTxnMarker } from '../../../protocol/records/control-record';
import { messageSetToRecordBatch, recordBatchesToMessageSet } from '../../../protocol/records/legacy-conversion';
import { buildMessageSet, readMessageSet } from '../../../protocol/records/legacy-message-set';
import { CompressionType, RecordBatchView } from '../../../protocol/records/record-batch';
import { buildRecordBatch, decodeRecords, readRecords } from '../../../protocol/records/record';

const LIMIT = 1 << 20;
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(SEED);
const int = (n: number): number => Math.floor(rand() * n);

function randomBytes(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = int(256);
  return b;
}

/** Flip/overwrite bytes, truncate, insert or duplicate, like a byte-level mutator. */
function mutate(src: Buffer): Buffer {
  let b = Buffer.from(src);
  const ops = 1 + int(4);
  for (let k = 0; k < ops; k++) {
    const op = int(6);
    if (b.length === 0) return randomBytes(int(64));
    const pos = int(b.length);
    if (op === 0) b[pos] = b[pos]! ^ (1 << int(8));
    else if (op === 1) b[pos] = [0, 0xff, 0x7f, 0x80, 1][int(5)]!;
    else if (op === 2) b = b.subarray(0, pos);
    else if (op === 3) b = Buffer.concat([b.subarray(0, pos), randomBytes(1 + int(8)), b.subarray(pos)]);
    else if (op === 4 && pos + 4 <= b.length) b.writeInt32BE([0x7fffffff, -1, -2, 0, 1 << 30][int(5)]!, pos);
    else b = Buffer.concat([b, b.subarray(pos, pos + int(32))]);
  }
  return b;
}

let maxAlloc = 0;
const realAllocUnsafe = Buffer.allocUnsafe;
const realAlloc = Buffer.alloc;

const realStackTraceLimit = Error.stackTraceLimit;

beforeAll(() => {
  Error.stackTraceLimit = 3; // most cases end in an expected typed error; deep stacks only cost time
  Buffer.allocUnsafe = ((size: number) => {
    maxAlloc = Math.max(maxAlloc, size);
    return realAllocUnsafe(size);
  }) as typeof Buffer.allocUnsafe;
  Buffer.alloc = ((size: number, fill?: string | Buffer | number, enc?: BufferEncoding) => {
    maxAlloc = Math.max(maxAlloc, size);
    return realAlloc(size, fill, enc);
  }) as typeof Buffer.alloc;
});
afterAll(() => {
  Error.stackTraceLimit = realStackTraceLimit;
  Buffer.allocUnsafe = realAllocUnsafe;
  Buffer.alloc = realAlloc;
});

function total(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof KafkaError)) {
      throw new Error(`untyped exception (seed ${SEED}): ${(e as Error)?.stack ?? String(e)}`);
    }
  }
}

/** Everything a broker might do with untrusted batch bytes. */
function exerciseBatches(buf: Buffer): void {
  const walk = walkBatches(buf, { allowLegacy: true });
  for (const b of walk.batches) {
    const v = b.view;
    if (v === null) continue;
    void [v.baseOffset, v.lastOffset, v.attributes, v.compression, v.maxTimestamp, v.producerId, v.lastSequence, v.recordCount];
    v.isValidCrc();
    total(() => {
      const recs = readRecords(v, { maxDecompressedBytes: LIMIT });
      if (v.isControl && recs[0] !== undefined) {
        total(() => readControlRecordType(recs[0]!.key));
        total(() => readEndTxnMarker(recs[0]!.key, recs[0]!.value));
      }
    });
  }
  total(() => recordBatchesToMessageSet(buf, 1, { maxDecompressedBytes: LIMIT }));
}

const CODECS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

function seedBatches(): Buffer[] {
  const out: Buffer[] = [];
  for (const compression of CODECS) {
    out.push(
      buildRecordBatch({
        baseOffset: 5n,
        compression,
        records: [
          { key: 'key', value: 'value value value value', headers: [{ key: 'h', value: 'v' }], timestamp: 1000 },
          { key: null, value: null, timestamp: 900 },
          { key: 'k', value: Buffer.alloc(300, 'r'), timestamp: 1100 },
        ],
      }),
    );
  }
  return out;
}

describe('Protocol > Records > fuzz', () => {
  afterEach(() => {
    expect(maxAlloc).toBeLessThanOrEqual(LIMIT + 64 * 1024);
  });

  test('random bytes: batch walker, views, record decoder, legacy reader (15,000 cases)', () => {
    for (let i = 0; i < 15_000; i++) {
      const buf = randomBytes(int(i % 4 === 0 ? 300 : 90));
      if (i % 3 === 0 && buf.length >= 17) buf[16] = int(3); // plausible magic
      if (i % 5 === 0 && buf.length >= 12) buf.writeInt32BE(Math.max(0, buf.length - 12 - int(4)), 8); // plausible length
      exerciseBatches(buf);
      total(() => decodeRecords(buf, int(40), 0n, 0n));
      total(() => readMessageSet(buf, { verifyCrc: false, maxDecompressedBytes: LIMIT }));
      if (buf.length >= 61) total(() => readRecords(new RecordBatchView(buf), { maxDecompressedBytes: LIMIT }));
    }
  });

  test('mutated valid batches of every codec (12,000 cases)', () => {
    const seeds = seedBatches();
    const concat = Buffer.concat(seeds);
    for (let i = 0; i < 12_000; i++) {
      const base = i % 7 === 0 ? concat : seeds[i % seeds.length]!;
      const m = mutate(base);
      exerciseBatches(m);
      // skip the CRC so mutations reach the inflater and record decoder
      if (m.length >= 61) total(() => readRecords(new RecordBatchView(m), { maxDecompressedBytes: LIMIT }));
    }
  });

  test('mutated compressed payloads for every codec (6,000 × 2 cases)', () => {
    const plain = Buffer.from(JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ i, s: `v${i % 9}` }))));
    const compressed = CODECS.map((c) => [c, compress(c, plain)] as const);
    for (let i = 0; i < 6_000; i++) {
      const [codec, c] = compressed[i % compressed.length]!;
      total(() => decompress(codec, mutate(c), LIMIT));
      total(() => decompress(codec, randomBytes(int(64)), LIMIT));
    }
  });

  test('mutated legacy message sets (5,000 cases)', () => {
    const msgs = [
      { offset: 1n, timestamp: 5n, key: Buffer.from('a'), value: Buffer.from('hello hello hello') },
      { offset: 2n, timestamp: 6n, key: null, value: Buffer.alloc(100, 'q') },
    ];
    const seeds = [0, 1].flatMap((magic) =>
      [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4].map((compression) =>
        buildMessageSet(msgs, { magic: magic as 0 | 1, compression }),
      ),
    );
    for (let i = 0; i < 5_000; i++) {
      const m = mutate(seeds[i % seeds.length]!);
      total(() => readMessageSet(m, { verifyCrc: i % 2 === 0, maxDecompressedBytes: LIMIT }));
      total(() => messageSetToRecordBatch(m, { verifyCrc: false, maxDecompressedBytes: LIMIT }));
      exerciseBatches(m);
    }
  });
});
