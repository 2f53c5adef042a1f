import { walkBatches, iterateBatches } from '../../../protocol/records/batch-iterator';
import { kafkajsBatch } from './kafkajs-batches';

const T0 = 1_700_000_000_000;

async function batches(n: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await kafkajsBatch({
        firstOffset: BigInt(i * 10),
        records: Array.from({ length: i + 1 }, (_, j) => ({ key: null, value: Buffer.from(`v${i}-${j}`), timestamp: T0 + j })),
      }),
    );
  }
  return out;
}

describe('Protocol > Records > batch iterator', () => {
  test('walks concatenated batches exactly', async () => {
    const bs = await batches(4);
    const all = Buffer.concat(bs);
    const r = walkBatches(all);
    expect(r.stop.reason).toBe('end');
    expect(r.validBytes).toBe(all.length);
    expect(r.batches.map((b) => b.size)).toEqual(bs.map((b) => b.length));
    let pos = 0;
    r.batches.forEach((b, i) => {
      expect(b.position).toBe(pos);
      expect(b.magic).toBe(2);
      expect(b.buf.equals(bs[i]!)).toBe(true);
      expect(b.buf.buffer).toBe(all.buffer); // subarray, not a copy
      expect(b.view!.baseOffset).toBe(BigInt(i * 10));
      expect(b.view!.recordCount).toBe(i + 1);
      expect(b.view!.isValidCrc()).toBe(true);
      pos += b.size;
    });
  });

  test('empty input ends immediately', () => {
    const r = walkBatches(Buffer.alloc(0));
    expect(r.batches).toHaveLength(0);
    expect(r.stop).toEqual({ reason: 'end', position: 0, declaredSize: -1, magic: -1 });
  });

  test('stops at a partial trailing batch at every cut point', async () => {
    const bs = await batches(3);
    const all = Buffer.concat(bs);
    const firstTwo = bs[0]!.length + bs[1]!.length;
    for (let cut = firstTwo + 1; cut < all.length; cut++) {
      const r = walkBatches(all.subarray(0, cut));
      expect(r.batches).toHaveLength(2);
      expect(r.stop.reason).toBe('partial');
      expect(r.stop.position).toBe(firstTwo);
      expect(r.validBytes).toBe(firstTwo);
      if (cut - firstTwo >= 12) expect(r.stop.declaredSize).toBe(bs[2]!.length);
    }
  });

  test('reports corrupt lengths and unknown magic without throwing', async () => {
    const [b] = await batches(1);
    const neg = Buffer.from(b!);
    neg.writeInt32BE(-5, 8);
    expect(walkBatches(neg).stop.reason).toBe('corrupt-length');
    const small = Buffer.from(b!);
    small.writeInt32BE(20, 8); // 32 bytes total < 61
    expect(walkBatches(small).stop).toMatchObject({ reason: 'corrupt-length', position: 0, magic: 2 });
    const magic = Buffer.from(b!);
    magic.writeInt8(7, 16);
    expect(walkBatches(magic).stop).toMatchObject({ reason: 'unknown-magic', magic: 7 });
    const legacy = Buffer.from(b!);
    legacy.writeInt8(1, 16);
    expect(walkBatches(legacy).stop.reason).toBe('unknown-magic');
    const r = walkBatches(legacy, { allowLegacy: true });
    expect(r.stop.reason).toBe('end');
    expect(r.batches[0]!.view).toBeNull();
    expect(r.batches[0]!.magic).toBe(1);
  });

  test('a huge declared length is reported as partial, not allocated', () => {
    const buf = Buffer.alloc(61);
    buf.writeInt32BE(0x7fffffff, 8);
    buf.writeInt8(2, 16);
    const r = walkBatches(buf);
    expect(r.stop).toMatchObject({ reason: 'partial', declaredSize: 0x7fffffff + 12 });
  });

  test('iterateBatches is a lazy iterator with a stop report', async () => {
    const bs = await batches(2);
    const it = iterateBatches(Buffer.concat([...bs, Buffer.alloc(5)]));
    const seen = [...it];
    expect(seen).toHaveLength(2);
    expect(it.stop).toMatchObject({ reason: 'partial', position: bs[0]!.length + bs[1]!.length });
  });
});
