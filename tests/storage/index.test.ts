/** Storage > indexes: offset and time index lookups at the edges (Kafka's OffsetIndexTest/TimeIndexTest). */
import * as fs from 'fs';
import * as path from 'path';
import { OffsetIndex } from '../../storage/offset-index';
import { TimeIndex } from '../../storage/time-index';
import { rmDir, tmpDir } from './helpers';

describe('Storage > OffsetIndex', () => {
  let dir: string;
  beforeEach(() => (dir = tmpDir()));
  afterEach(() => rmDir(dir));

  test('empty index looks up to (base, 0)', () => {
    const idx = new OffsetIndex(path.join(dir, 'a.index'), 100n, 1024);
    expect(idx.lookup(100n)).toEqual({ offset: 100n, position: 0 });
    expect(idx.lookup(5000n)).toEqual({ offset: 100n, position: 0 });
    expect(idx.lookup(50n)).toEqual({ offset: 100n, position: 0 });
  });

  test('first, last and between entries', () => {
    const idx = new OffsetIndex(path.join(dir, 'a.index'), 100n, 1024);
    for (let i = 1; i <= 10; i++) expect(idx.append(100n + BigInt(i * 10), i * 1000)).toBe(true);
    expect(idx.lookup(109n)).toEqual({ offset: 100n, position: 0 }); // before the first entry
    expect(idx.lookup(110n)).toEqual({ offset: 110n, position: 1000 }); // first entry exactly
    expect(idx.lookup(115n)).toEqual({ offset: 110n, position: 1000 }); // between entries
    expect(idx.lookup(200n)).toEqual({ offset: 200n, position: 10000 }); // last entry exactly
    expect(idx.lookup(10_000n)).toEqual({ offset: 200n, position: 10000 }); // beyond the last
    expect(idx.lastEntry()).toEqual({ offset: 200n, position: 10000 });
  });

  test('rejects non-increasing entries and position 0, and stops when full', () => {
    const idx = new OffsetIndex(path.join(dir, 'a.index'), 0n, 16); // 2 entries
    expect(idx.append(5n, 0)).toBe(false);
    expect(idx.append(5n, 100)).toBe(true);
    expect(idx.append(5n, 200)).toBe(false);
    expect(idx.append(6n, 100)).toBe(false);
    expect(idx.append(6n, 200)).toBe(true);
    expect(idx.isFull()).toBe(true);
    expect(idx.append(7n, 300)).toBe(false);
  });

  test('truncateTo removes entries at or above the offset', () => {
    const idx = new OffsetIndex(path.join(dir, 'a.index'), 0n, 1024);
    for (let i = 1; i <= 5; i++) idx.append(BigInt(i * 10), i * 100);
    idx.truncateTo(30n);
    expect(idx.entries).toBe(2);
    expect(idx.lookup(35n)).toEqual({ offset: 20n, position: 200 });
    idx.truncateTo(0n);
    expect(idx.entries).toBe(0);
    expect(idx.lookup(35n)).toEqual({ offset: 0n, position: 0 });
    expect(idx.append(10n, 100)).toBe(true); // usable after truncation
  });

  test('persist preallocated, then trimmed; load round-trips', async () => {
    const file = path.join(dir, 'a.index');
    const idx = new OffsetIndex(file, 0n, 8 * 100);
    for (let i = 1; i <= 3; i++) idx.append(BigInt(i), i * 100);
    await idx.persist({ trim: false, sync: false });
    expect(fs.statSync(file).size).toBe(800);
    const again = new OffsetIndex(file, 0n, 800);
    expect(await again.load(10_000)).toBe(true);
    expect(again.entries).toBe(3);
    await idx.persist({ trim: true, sync: false });
    expect(fs.statSync(file).size).toBe(24);
    const trimmed = new OffsetIndex(file, 0n, 800);
    expect(await trimmed.load(10_000)).toBe(true);
    expect(trimmed.lookup(2n)).toEqual({ offset: 2n, position: 200 });
  });

  test('a large preallocated file loads only its used entries (binary search for the end)', async () => {
    const file = path.join(dir, 'big.index');
    const idx = new OffsetIndex(file, 0n, 1 << 20);
    for (let i = 1; i <= 1000; i++) idx.append(BigInt(i * 3), i * 50);
    await idx.persist({ trim: false, sync: false });
    expect(fs.statSync(file).size).toBe(1 << 20);
    const again = new OffsetIndex(file, 0n, 1 << 20);
    expect(await again.load(1_000_000)).toBe(true);
    expect(again.entries).toBe(1000);
    expect(again.lookup(1501n)).toEqual({ offset: 1500n, position: 25000 });
    fs.writeFileSync(file, Buffer.alloc(1 << 20)); // zeroed
    expect(await new OffsetIndex(file, 0n, 1 << 20).load(1000)).toBe(true);
    const bad = Buffer.alloc(1 << 20);
    for (let i = 0; i < 100; i++) {
      bad.writeInt32BE(i + 1, i * 8);
      bad.writeInt32BE(i === 50 ? 1 : (i + 1) * 10, i * 8 + 4); // entry 50 goes backwards
    }
    fs.writeFileSync(file, bad);
    expect(await new OffsetIndex(file, 0n, 1 << 20).load(100_000)).toBe(false);
  });

  test('a zeroed preallocated file loads as empty; garbage or out-of-file positions are rejected', async () => {
    const file = path.join(dir, 'a.index');
    fs.writeFileSync(file, Buffer.alloc(800));
    const z = new OffsetIndex(file, 0n, 800);
    expect(await z.load(1000)).toBe(true);
    expect(z.entries).toBe(0);
    const bad = Buffer.alloc(800);
    bad.writeInt32BE(5, 0);
    bad.writeInt32BE(100, 4);
    bad.writeInt32BE(3, 8); // decreasing
    bad.writeInt32BE(200, 12);
    fs.writeFileSync(file, bad);
    expect(await new OffsetIndex(file, 0n, 800).load(1000)).toBe(false);
    const beyond = Buffer.alloc(8);
    beyond.writeInt32BE(5, 0);
    beyond.writeInt32BE(5000, 4);
    fs.writeFileSync(file, beyond);
    expect(await new OffsetIndex(file, 0n, 800).load(1000)).toBe(false);
    fs.writeFileSync(file, Buffer.alloc(7));
    expect(await new OffsetIndex(file, 0n, 800).load(1000)).toBe(false);
    expect(await new OffsetIndex(path.join(dir, 'missing.index'), 0n, 800).load(1000)).toBe(false);
  });
});

describe('Storage > TimeIndex', () => {
  let dir: string;
  beforeEach(() => (dir = tmpDir()));
  afterEach(() => rmDir(dir));

  test('lookup finds the largest timestamp <= target', () => {
    const idx = new TimeIndex(path.join(dir, 'a.timeindex'), 0n, 1200);
    expect(idx.lookup(5n)).toEqual({ timestamp: -1n, offset: 0n });
    expect(idx.maybeAppend(100n, 10n)).toBe(true);
    expect(idx.maybeAppend(100n, 20n)).toBe(false); // timestamp must grow
    expect(idx.maybeAppend(200n, 20n)).toBe(true);
    expect(idx.maybeAppend(300n, 30n)).toBe(true);
    expect(idx.lookup(99n)).toEqual({ timestamp: -1n, offset: 0n });
    expect(idx.lookup(100n)).toEqual({ timestamp: 100n, offset: 10n });
    expect(idx.lookup(250n)).toEqual({ timestamp: 200n, offset: 20n });
    expect(idx.lookup(1000n)).toEqual({ timestamp: 300n, offset: 30n });
    idx.truncateTo(20n);
    expect(idx.lastEntry()).toEqual({ timestamp: 100n, offset: 10n });
  });

  test('keeps one slot for the final entry at roll', () => {
    const idx = new TimeIndex(path.join(dir, 'a.timeindex'), 0n, 36); // 3 entries
    expect(idx.maybeAppend(1n, 1n)).toBe(true);
    expect(idx.maybeAppend(2n, 2n)).toBe(true);
    expect(idx.isFull()).toBe(true);
    expect(idx.maybeAppend(3n, 3n)).toBe(false);
    expect(idx.maybeAppend(3n, 3n, true)).toBe(true);
    expect(idx.maybeAppend(4n, 4n, true)).toBe(false);
  });

  test('persist/load round trip and corrupt detection', async () => {
    const file = path.join(dir, 'a.timeindex');
    const idx = new TimeIndex(file, 0n, 1200);
    idx.maybeAppend(100n, 1n);
    idx.maybeAppend(200n, 5n);
    await idx.persist({ trim: false, sync: false });
    const again = new TimeIndex(file, 0n, 1200);
    expect(await again.load(0)).toBe(true);
    expect(again.lastEntry()).toEqual({ timestamp: 200n, offset: 5n });
    const data = fs.readFileSync(file);
    data.writeBigInt64BE(50n, 12); // second entry older than the first
    fs.writeFileSync(file, data);
    expect(await new TimeIndex(file, 0n, 1200).load(0)).toBe(false);
  });
});
