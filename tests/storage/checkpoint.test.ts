/** Storage > checkpoints: Kafka's text formats, atomic writes, leader epoch cache. */
import * as fs from 'fs';
import * as path from 'path';
import { OffsetCheckpointFile, formatCheckpoint, parseCheckpoint, writeFileAtomic } from '../../storage/checkpoint-file';
import { LeaderEpochCache } from '../../storage/leader-epoch-cache';
import { ensureMetaProperties, readMetaProperties } from '../../storage/meta-properties';
import { rmDir, tmpDir } from './helpers';

describe('Storage > checkpoint files', () => {
  let dir: string;
  beforeEach(() => (dir = tmpDir()));
  afterEach(() => rmDir(dir));

  test('concurrent atomic writes of one file take turns on its .tmp; the last call wins', async () => {
    const file = path.join(dir, 'leader-epoch-checkpoint');
    const writes = Array.from({ length: 20 }, (_, i) => writeFileAtomic(file, `content ${i}\n`));
    await Promise.all(writes);
    expect(fs.readFileSync(file, 'utf8')).toBe('content 19\n');
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);
  });

  test('offset checkpoint uses Kafka text format and round-trips', async () => {
    const f = new OffsetCheckpointFile(path.join(dir, 'recovery-point-offset-checkpoint'));
    await f.write([
      { topic: 'orders', partition: 0, offset: 42n },
      { topic: 'my-topic', partition: 12, offset: 9007199254740993n },
    ]);
    expect(fs.readFileSync(f.file, 'utf8')).toBe('0\n2\norders 0 42\nmy-topic 12 9007199254740993\n');
    const m = await f.read();
    expect(m.get('orders-0')).toBe(42n);
    expect(m.get('my-topic-12')).toBe(9007199254740993n);
    expect(fs.readdirSync(dir)).toEqual(['recovery-point-offset-checkpoint']); // no temp left behind
  });

  test('missing file is empty; malformed files throw', async () => {
    expect((await new OffsetCheckpointFile(path.join(dir, 'nope')).read()).size).toBe(0);
    expect(() => parseCheckpoint('1\n0\n', 3)).toThrow();
    expect(() => parseCheckpoint('0\n2\na 0 1\n', 3)).toThrow();
    expect(() => parseCheckpoint('0\n1\na 0\n', 3)).toThrow();
    expect(parseCheckpoint(formatCheckpoint([[1, 5n]]), 2)).toEqual([['1', '5']]);
  });

  test('meta.properties is written once and checked', async () => {
    await ensureMetaProperties(dir, { brokerId: 3, clusterId: 'abc' });
    const p = await readMetaProperties(dir);
    expect(p?.get('version')).toBe('0');
    expect(p?.get('broker.id')).toBe('3');
    expect(p?.get('cluster.id')).toBe('abc');
    await expect(ensureMetaProperties(dir, { brokerId: 4 })).rejects.toThrow(/broker.id/);
    await ensureMetaProperties(dir, {});
  });
});

describe('Storage > LeaderEpochCache', () => {
  let dir: string;
  beforeEach(() => (dir = tmpDir()));
  afterEach(() => rmDir(dir));

  test('assign, endOffsetFor (Kafka semantics), truncation, persistence', async () => {
    const c = new LeaderEpochCache(dir);
    expect(c.endOffsetFor(0, 10n)).toBeNull();
    expect(c.assign(1, 0n)).toBe(true);
    expect(c.assign(1, 5n)).toBe(false); // same epoch
    expect(c.assign(0, 7n)).toBe(false); // older epoch
    c.assign(3, 10n);
    c.assign(5, 20n);
    expect(c.latestEpoch()).toBe(5);
    expect(c.endOffsetFor(5, 30n)).toEqual({ epoch: 5, endOffset: 30n }); // latest -> LEO
    expect(c.endOffsetFor(3, 30n)).toEqual({ epoch: 3, endOffset: 20n });
    expect(c.endOffsetFor(4, 30n)).toEqual({ epoch: 3, endOffset: 20n }); // unknown epoch: floor epoch, next start
    expect(c.endOffsetFor(0, 30n)).toEqual({ epoch: 0, endOffset: 0n }); // before the first epoch
    expect(c.endOffsetFor(6, 30n)).toBeNull(); // newer than latest
    expect(c.epochForOffset(15n)).toBe(3);
    await c.persist();
    expect(fs.readFileSync(c.file, 'utf8')).toBe('0\n3\n1 0\n3 10\n5 20\n');
    const d = new LeaderEpochCache(dir);
    await d.load();
    expect(d.all()).toEqual(c.all());
    expect(d.truncateFromEnd(20n)).toBe(true);
    expect(d.latestEpoch()).toBe(3);
    expect(d.truncateFromStart(12n)).toBe(true);
    expect(d.all()).toEqual([{ epoch: 3, startOffset: 12n }]);
  });
});
