import fs from 'fs';
import os from 'os';
import path from 'path';
import { ABORTED_TXN_SIZE, TransactionIndex, txnIndexFileName, type AbortedTxn } from '../../storage/producer-state/transaction-index';

const txn = (pid: bigint, first: bigint, last: bigint, lso: bigint): AbortedTxn => ({ producerId: pid, firstOffset: first, lastOffset: last, lastStableOffset: lso });

describe('TransactionIndex (.txnindex)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gregor-txnidx-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes Kafka's 34-byte entries and reads them back, cutting a torn tail", async () => {
    const file = txnIndexFileName(dir, 100n);
    expect(path.basename(file)).toBe('00000000000000000100.txnindex');
    const idx = TransactionIndex.open(file);
    idx.append(txn(7n, 100n, 105n, 100n));
    idx.append(txn(8n, 101n, 110n, 106n));
    await idx.flush();
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBe(2 * ABORTED_TXN_SIZE);
    expect(bytes.readInt16BE(0)).toBe(0);
    expect(bytes.readBigInt64BE(2)).toBe(7n);
    expect(bytes.readBigInt64BE(18)).toBe(105n);
    expect(bytes.readBigInt64BE(34 + 26)).toBe(106n);
    fs.appendFileSync(file, Buffer.alloc(10, 1));
    const back = TransactionIndex.open(file);
    expect(back.all()).toEqual([txn(7n, 100n, 105n, 100n), txn(8n, 101n, 110n, 106n)]);
    expect(fs.statSync(file).size).toBe(2 * ABORTED_TXN_SIZE);
  });

  it('refuses an entry whose marker does not follow the last one', () => {
    const idx = TransactionIndex.open(txnIndexFileName(dir, 0n));
    idx.append(txn(1n, 0n, 5n, 0n));
    expect(() => idx.append(txn(2n, 1n, 5n, 0n))).toThrow(/does not follow/);
    return idx.flush();
  });

  it('reports a failed write at the next flush', async () => {
    const idx = TransactionIndex.open(path.join(dir, 'missing-dir', '0.txnindex'));
    idx.append(txn(1n, 0n, 5n, 0n));
    await expect(idx.flush()).rejects.toThrow(/ENOENT/);
  });

  it('collects the transactions overlapping a fetch range and says when the search can stop', () => {
    const idx = TransactionIndex.open(txnIndexFileName(dir, 0n));
    idx.append(txn(1n, 0n, 5n, 0n));
    idx.append(txn(2n, 3n, 9n, 6n));
    idx.append(txn(3n, 20n, 30n, 31n));
    expect(idx.collect(6n, 10n)).toEqual({ aborted: [txn(2n, 3n, 9n, 6n)], isComplete: true });
    expect(idx.collect(25n, 40n)).toEqual({ aborted: [txn(3n, 20n, 30n, 31n)], isComplete: false }); // a later segment may hold more
    expect(idx.collect(0n, 4n).aborted.map((t) => t.producerId)).toEqual([1n, 2n]);
    expect(idx.collect(0n, 4n).isComplete).toBe(true); // 6 >= 4: later aborts started after the range
    expect(idx.collect(10n, 25n)).toEqual({ aborted: [txn(3n, 20n, 30n, 31n)], isComplete: true });
    return idx.flush();
  });

  it('truncates entries whose marker is at or above the offset, in memory and on disk; renames keep the order of writes', async () => {
    const file = txnIndexFileName(dir, 0n);
    const idx = TransactionIndex.open(file);
    idx.append(txn(1n, 0n, 5n, 0n));
    idx.append(txn(2n, 6n, 9n, 6n));
    await idx.truncateTo(9n);
    expect(idx.all()).toHaveLength(1);
    expect(fs.statSync(file).size).toBe(ABORTED_TXN_SIZE);
    idx.append(txn(3n, 10n, 12n, 10n));
    const renamed = `${file}.deleted`;
    await idx.renameTo(renamed);
    expect(fs.existsSync(file)).toBe(false);
    expect(TransactionIndex.open(renamed).all().map((t) => t.producerId)).toEqual([1n, 3n]);
    await idx.deleteFile();
    expect(fs.existsSync(renamed)).toBe(false);
  });
});
