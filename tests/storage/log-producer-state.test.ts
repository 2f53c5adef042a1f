/**
 * The producer state wired into the Log: duplicates, sequence and epoch rules at the leader,
 * the last stable offset, the .txnindex, snapshots across a clean restart, replay after a crash,
 * follower truncation, head truncation and expiry.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ErrorCode } from '../../protocol/errors';
import { ControlRecordType, buildEndTxnMarkerBatch } from '../../protocol/records/control-record';
import { buildRecordBatch } from '../../protocol/records/record-builder';
import type { Log } from '../../storage/log';
import { LogManager } from '../../storage/log-manager';
import { listSnapshotOffsets } from '../../storage/producer-state/producer-snapshot';
import { txnIndexFileName, decodeAbortedTxns } from '../../storage/producer-state/transaction-index';
import { ManualClock, config, openLog, readAll, rmDir, tmpDir } from './helpers';

const PID = 77n;

function pbatch(o: { seq: number; count?: number; epoch?: number; pid?: bigint; txn?: boolean; ts?: number }): Buffer {
  return buildRecordBatch({
    producerId: o.pid ?? PID,
    producerEpoch: o.epoch ?? 0,
    baseSequence: o.seq,
    isTransactional: o.txn ?? false,
    records: Array.from({ length: o.count ?? 1 }, (_, i) => ({ value: `v${o.seq + i}`, timestamp: o.ts ?? 1_700_000_000_000 })),
  });
}

function marker(type: ControlRecordType.ABORT | ControlRecordType.COMMIT, o: { pid?: bigint; epoch?: number; coordinatorEpoch?: number } = {}): Buffer {
  return buildEndTxnMarkerBatch({ type, coordinatorEpoch: o.coordinatorEpoch ?? 0, producerId: o.pid ?? PID, producerEpoch: o.epoch ?? 0, timestamp: 1_700_000_000_000 });
}

const leader = (log: Log, b: Buffer, origin: 'client' | 'coordinator' = 'client') => log.appendAsLeader(b, { leaderEpoch: 0, origin });

describe('Log producer state', () => {
  let dir: string;
  beforeEach(() => {
    dir = tmpDir();
  });
  afterEach(() => rmDir(dir));

  it('answers a retried batch with its original offsets and does not write it again', async () => {
    const log = await openLog(dir);
    await leader(log, pbatch({ seq: 0, count: 2 }));
    await leader(log, pbatch({ seq: 2, count: 3 }));
    const dup = await leader(log, pbatch({ seq: 0, count: 2 }));
    expect(dup).toMatchObject({ firstOffset: 0n, lastOffset: 1n, duplicate: true, logAppendTimeMs: 1_700_000_000_000n });
    expect(log.logEndOffset).toBe(5n);
    expect((await readAll(log)).map((b) => b.base)).toEqual([0n, 2n]);
    await log.close();
  });

  it('checks a lone batch\'s CRC before answering it as a duplicate or refusing it for its producer', async () => {
    const log = await openLog(dir);
    await leader(log, pbatch({ seq: 0 }));
    const corrupt = (b: Buffer): Buffer => {
      b[b.length - 1]! ^= 0xff; // a record byte: inside the CRC
      return b;
    };
    await expect(leader(log, corrupt(pbatch({ seq: 0 })))).rejects.toMatchObject({ code: ErrorCode.CORRUPT_MESSAGE });
    await expect(leader(log, corrupt(pbatch({ seq: 7 })))).rejects.toMatchObject({ code: ErrorCode.CORRUPT_MESSAGE });
    await log.close();
  });

  it('refuses gaps, old epochs and a non-transactional write inside a transaction', async () => {
    const log = await openLog(dir);
    await leader(log, pbatch({ seq: 0 }));
    await expect(leader(log, pbatch({ seq: 5 }))).rejects.toMatchObject({ code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    await leader(log, pbatch({ seq: 0, epoch: 1 }));
    await expect(leader(log, pbatch({ seq: 1, epoch: 0 }))).rejects.toMatchObject({ code: ErrorCode.INVALID_PRODUCER_EPOCH });
    await leader(log, pbatch({ seq: 1, epoch: 1, txn: true }));
    await expect(leader(log, pbatch({ seq: 2, epoch: 1 }))).rejects.toMatchObject({ code: ErrorCode.INVALID_TXN_STATE });
    expect(log.logEndOffset).toBe(3n);
    // coordinator appends check epochs only: a marker from an old epoch is refused
    await expect(leader(log, marker(ControlRecordType.COMMIT, { epoch: 0 }), 'coordinator')).rejects.toMatchObject({ code: ErrorCode.INVALID_PRODUCER_EPOCH });
    await leader(log, marker(ControlRecordType.COMMIT, { epoch: 1, coordinatorEpoch: 3 }), 'coordinator');
    await leader(log, pbatch({ seq: 2, epoch: 1, txn: true }));
    await expect(leader(log, marker(ControlRecordType.ABORT, { epoch: 1, coordinatorEpoch: 2 }), 'coordinator')).rejects.toMatchObject({ code: ErrorCode.TRANSACTION_COORDINATOR_FENCED });
    await log.close();
  });

  it('keeps the LSO at the first open transaction until its marker is below the HW, and indexes aborts', async () => {
    const log = await openLog(dir);
    await leader(log, pbatch({ seq: 0, pid: 1n })); // 0: idempotent, not transactional
    await leader(log, pbatch({ seq: 0, pid: 2n, txn: true, count: 2 })); // 1-2: txn of 2
    await leader(log, pbatch({ seq: 0, pid: 3n, txn: true })); // 3: txn of 3
    log.highWatermark = log.logEndOffset;
    expect(log.lastStableOffset).toBe(1n);
    await leader(log, marker(ControlRecordType.ABORT, { pid: 2n }), 'coordinator'); // 4
    expect(log.lastStableOffset).toBe(1n); // the marker is not below the HW yet
    log.highWatermark = log.logEndOffset;
    expect(log.lastStableOffset).toBe(3n); // pid 3's transaction is still open
    await leader(log, marker(ControlRecordType.COMMIT, { pid: 3n }), 'coordinator'); // 5
    log.highWatermark = log.logEndOffset;
    expect(log.lastStableOffset).toBe(6n);
    // pid 2's abort: LSO right after it was pid 3's open transaction
    expect(log.collectAbortedTransactions(0n, 6n)).toEqual([{ producerId: 2n, firstOffset: 1n, lastOffset: 4n, lastStableOffset: 3n }]);
    expect(log.collectAbortedTransactions(3n, 4n)).toEqual([{ producerId: 2n, firstOffset: 1n, lastOffset: 4n, lastStableOffset: 3n }]);
    expect(log.collectAbortedTransactions(5n, 6n)).toEqual([]);
    await log.close();
    expect(decodeAbortedTxns(fs.readFileSync(txnIndexFileName(dir, 0n)))).toEqual([{ producerId: 2n, firstOffset: 1n, lastOffset: 4n, lastStableOffset: 3n }]);
  });

  it('restores the state from the snapshot of a clean close (no replay)', async () => {
    const log = await openLog(dir);
    await leader(log, pbatch({ seq: 0, count: 2 }));
    await leader(log, pbatch({ seq: 0, pid: 5n, txn: true }));
    await log.close();
    expect(listSnapshotOffsets(dir)).toEqual([3n]);
    const again = await openLog(dir, config(), { clean: true });
    expect(await leader(again, pbatch({ seq: 0, count: 2 }))).toMatchObject({ firstOffset: 0n, duplicate: true });
    expect(again.producerState.entry(5n)!.currentTxnFirstOffset).toBe(2n);
    await expect(leader(again, pbatch({ seq: 3 }))).rejects.toMatchObject({ code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    await again.close();
  });

  it('rebuilds the state and the txn index by replay after a crash', async () => {
    const log = await openLog(dir, config({ segmentBytes: 400 }));
    for (let i = 0; i < 6; i++) await leader(log, pbatch({ seq: i * 2, count: 2 }));
    await leader(log, pbatch({ seq: 0, pid: 9n, txn: true }));
    await leader(log, marker(ControlRecordType.ABORT, { pid: 9n }), 'coordinator');
    await leader(log, pbatch({ seq: 12, count: 2 }));
    const end = log.logEndOffset;
    expect(log.segments.size).toBeGreaterThan(1); // snapshots were taken at the rolls
    await log.closeForDelete(); // a crash: no close snapshot, no clean marker
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.txnindex')) fs.rmSync(path.join(dir, f)); // lost with the page cache
    const again = await openLog(dir, config({ segmentBytes: 400 }));
    expect(again.logEndOffset).toBe(end);
    expect(await leader(again, pbatch({ seq: 12, count: 2 }))).toMatchObject({ firstOffset: end - 2n, duplicate: true });
    expect(await leader(again, pbatch({ seq: 8, count: 2 }))).toMatchObject({ firstOffset: 8n, duplicate: true });
    expect(again.producerState.entry(9n)!.currentTxnFirstOffset).toBeNull();
    expect(again.collectAbortedTransactions(0n, end)).toEqual([{ producerId: 9n, firstOffset: 12n, lastOffset: 13n, lastStableOffset: 14n }]);
    await again.close();
  });

  it('writes empty snapshots instead of scanning after a clean shutdown without any', async () => {
    const log = await openLog(dir, config({ segmentBytes: 400 }));
    for (let i = 0; i < 8; i++) await leader(log, pbatch({ seq: i * 2, count: 2 }));
    await log.close();
    for (const o of listSnapshotOffsets(dir)) fs.rmSync(path.join(dir, `${o.toString().padStart(20, '0')}.snapshot`));
    const again = await openLog(dir, config({ segmentBytes: 400 }), { clean: true });
    const bases = again.segments.all().map((s) => s.baseOffset);
    expect(listSnapshotOffsets(dir)).toEqual([...bases.slice(-2), again.logEndOffset].filter((o, i, a) => o > 0n && a.indexOf(o) === i));
    expect(again.producerState.size).toBe(0); // the state of a log written before snapshots existed is not rebuilt
    await again.close();
  });

  it('reloads and replays after a follower truncation, and truncates the txn index', async () => {
    const log = await openLog(dir);
    await leader(log, pbatch({ seq: 0, pid: 4n, txn: true })); // 0
    await leader(log, marker(ControlRecordType.ABORT, { pid: 4n }), 'coordinator'); // 1
    await leader(log, pbatch({ seq: 0, count: 2 })); // 2-3
    await leader(log, pbatch({ seq: 2, count: 2 })); // 4-5
    await log.truncateTo(4n);
    expect(log.producerState.entry(PID)!.lastSeq).toBe(1);
    // the truncated batch may be written again, and is not a duplicate any more
    expect(await leader(log, pbatch({ seq: 2, count: 2 }))).toMatchObject({ firstOffset: 4n });
    expect(log.collectAbortedTransactions(0n, 10n)).toHaveLength(1);
    await log.truncateTo(1n);
    expect(log.collectAbortedTransactions(0n, 10n)).toEqual([]);
    expect(log.producerState.entry(4n)!.currentTxnFirstOffset).toBe(0n);
    expect(log.producerState.entry(PID)).toBeUndefined();
    await log.close();
  });

  it('forgets producers on head truncation and after producer.id.expiration.ms', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const log = await openLog(dir, config(), { clock });
    await leader(log, pbatch({ seq: 0, pid: 1n }));
    await leader(log, pbatch({ seq: 0, pid: 2n }));
    log.highWatermark = log.logEndOffset;
    await log.deleteRecordsBefore(1n);
    expect(log.producerState.entry(1n)).toBeUndefined();
    expect(log.producerState.entry(2n)).toBeDefined();
    clock.advance(86_400_000);
    log.removeExpiredProducers(clock.now());
    expect(log.producerState.size).toBe(0);
    await log.close();
  });

  it('the LogManager expires with the current producer.id.expiration.ms (a dynamic change applies at the next check)', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    let expirationMs = 86_400_000;
    const m = await LogManager.open({ logDirs: [dir], defaultConfig: config(), clock, producerIdExpirationMs: () => expirationMs });
    const log = await m.getOrCreateLog('pid-expiry', 0, config());
    await leader(log, pbatch({ seq: 0, pid: 9n }));
    clock.t += 60_000;
    m.removeExpiredProducers();
    expect(log.producerState.entry(9n)).toBeDefined();
    expirationMs = 30_000;
    m.removeExpiredProducers();
    expect(log.producerState.entry(9n)).toBeUndefined();
    await m.shutdown();
  });

  it('follower appends build the same state without validation', async () => {
    const leaderLog = await openLog(dir);
    await leader(leaderLog, pbatch({ seq: 0, count: 2 }));
    await leader(leaderLog, pbatch({ seq: 2 }));
    const copy = (await readAll(leaderLog)).map((b) => b.bytes);
    const fdir = tmpDir();
    try {
      const follower = await openLog(fdir);
      for (const b of copy) await follower.appendAsFollower(Buffer.from(b));
      expect(follower.producerState.entry(PID)!.lastSeq).toBe(2);
      expect(await leader(follower, pbatch({ seq: 2 }))).toMatchObject({ firstOffset: 2n, duplicate: true });
      await follower.close();
    } finally {
      rmDir(fdir);
    }
    await leaderLog.close();
  });
});
