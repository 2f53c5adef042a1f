import fs from 'fs';
import os from 'os';
import path from 'path';
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { ControlRecordType, buildEndTxnMarkerBatch } from '../../protocol/records/control-record';
import { buildRecordBatch } from '../../protocol/records/record';
import { RecordBatchView } from '../../protocol/records/record-batch';
import { crc32c } from '../../protocol/records/crc32c';
import { BATCHES_TO_RETAIN, ProducerStateEntry, firstSeqOf } from '../../storage/producer-state/producer-state-entry';
import { decodeSnapshot, encodeSnapshot, listSnapshotOffsets, snapshotFileName } from '../../storage/producer-state/producer-snapshot';
import { ProducerStateManager } from '../../storage/producer-state/producer-state-manager';

const PID = 4000n;

function batch(o: { base: bigint; epoch?: number; seq: number; count?: number; pid?: bigint; txn?: boolean; ts?: number }): RecordBatchView {
  const count = o.count ?? 1;
  return new RecordBatchView(
    buildRecordBatch({
      baseOffset: o.base,
      producerId: o.pid ?? PID,
      producerEpoch: o.epoch ?? 0,
      baseSequence: o.seq,
      isTransactional: o.txn ?? false,
      records: Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`v${i}`), timestamp: o.ts ?? 1000 })),
    }),
  );
}

function marker(base: bigint, type: ControlRecordType.ABORT | ControlRecordType.COMMIT, coordinatorEpoch = 0, epoch = 0): RecordBatchView {
  return new RecordBatchView(buildEndTxnMarkerBatch({ baseOffset: base, type, coordinatorEpoch, producerId: PID, producerEpoch: epoch, timestamp: 2000 }));
}

function codeOf(f: () => unknown): ErrorCode | 'none' {
  try {
    f();
    return 'none';
  } catch (e) {
    if (e instanceof KafkaError) return e.code;
    throw e;
  }
}

describe('ProducerStateEntry', () => {
  it('keeps the last five batches of the current epoch and finds an exact retry', () => {
    const e = ProducerStateEntry.empty(PID);
    for (let i = 0; i < 7; i++) e.addBatch(0, i * 2 + 1, BigInt(i * 2 + 1), 1, 5n);
    expect(e.batches).toHaveLength(BATCHES_TO_RETAIN);
    expect(e.findDuplicate(0, 12, 13)).toEqual({ lastSeq: 13, lastOffset: 13n, offsetDelta: 1, timestamp: 5n });
    expect(e.findDuplicate(0, 4, 5)).toBeDefined();
    expect(e.findDuplicate(0, 2, 3)).toBeUndefined(); // evicted
    expect(e.findDuplicate(0, 12, 12)).toBeUndefined(); // a different range is not a retry
    expect(e.findDuplicate(1, 12, 13)).toBeUndefined(); // another epoch
    e.addBatch(1, 0, 20n, 0, 6n);
    expect(e.batches).toHaveLength(1);
  });

  it('computes the first sequence across the int32 wrap', () => {
    expect(firstSeqOf({ lastSeq: 2, lastOffset: 10n, offsetDelta: 4, timestamp: 0n })).toBe(2147483646);
    expect(firstSeqOf({ lastSeq: 9, lastOffset: 10n, offsetDelta: 4, timestamp: 0n })).toBe(5);
  });
});

describe('ProducerStateManager: idempotence rules', () => {
  let dir: string;
  let m: ProducerStateManager;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gregor-pst-'));
    m = new ProducerStateManager(dir, 't-0');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const append = (v: RecordBatchView, origin: 'client' | 'replication' | 'coordinator' = 'client') => {
    const p = m.plan([v], origin);
    m.update(p, v.baseOffset + BigInt(v.lastOffsetDelta) + 1n);
  };

  it('accepts a new producer at any sequence, then only the next one', () => {
    append(batch({ base: 0n, seq: 7, count: 3 }));
    expect(m.entry(PID)!.lastSeq).toBe(9);
    expect(codeOf(() => m.plan([batch({ base: 3n, seq: 11 })], 'client'))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(codeOf(() => m.plan([batch({ base: 3n, seq: 9 })], 'client'))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(codeOf(() => m.plan([batch({ base: 3n, seq: 10 })], 'client'))).toBe('none');
  });

  it('wraps the sequence from 2147483647 to 0', () => {
    append(batch({ base: 0n, seq: 2147483646, count: 2 }));
    expect(codeOf(() => m.plan([batch({ base: 2n, seq: 0 })], 'client'))).toBe('none');
    expect(codeOf(() => m.plan([batch({ base: 2n, seq: 1 })], 'client'))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });

  it('refuses an older epoch from clients but not from replication; a new epoch starts at 0', () => {
    append(batch({ base: 0n, epoch: 3, seq: 0 }));
    expect(codeOf(() => m.plan([batch({ base: 1n, epoch: 2, seq: 1 })], 'client'))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(codeOf(() => m.plan([batch({ base: 1n, epoch: 2, seq: 1 })], 'coordinator'))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(codeOf(() => m.plan([batch({ base: 1n, epoch: 2, seq: 1 })], 'replication'))).toBe('none');
    expect(codeOf(() => m.plan([batch({ base: 1n, epoch: 4, seq: 5 })], 'client'))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(codeOf(() => m.plan([batch({ base: 1n, epoch: 4, seq: 0 })], 'client'))).toBe('none');
  });

  it('finds a retried batch with its original offsets', () => {
    append(batch({ base: 10n, seq: 0, count: 4, ts: 77 }));
    append(batch({ base: 14n, seq: 4, count: 2 }));
    expect(m.findDuplicate(batch({ base: 0n, seq: 0, count: 4 }))).toEqual({ firstOffset: 10n, lastOffset: 13n, timestamp: 77n });
    expect(m.findDuplicate(batch({ base: 0n, seq: 0, count: 3 }))).toBeNull();
    expect(m.findDuplicate(batch({ base: 0n, seq: 0, count: 4, pid: 9n }))).toBeNull();
  });

  it('plan changes nothing until update', () => {
    append(batch({ base: 0n, seq: 0 }));
    m.plan([batch({ base: 1n, seq: 1 })], 'client');
    expect(m.entry(PID)!.lastSeq).toBe(0);
    expect(m.mapEndOffset).toBe(1n);
  });

  it('tracks an open transaction, refuses a plain write inside it, and completes it with a marker', () => {
    append(batch({ base: 5n, seq: 0, txn: true }));
    expect(m.firstUnstableOffset()).toBe(5n);
    expect(codeOf(() => m.plan([batch({ base: 6n, seq: 1 })], 'client'))).toBe(ErrorCode.INVALID_TXN_STATE);
    append(batch({ base: 6n, seq: 1, txn: true }));
    const p = m.plan([marker(7n, ControlRecordType.COMMIT, 2)], 'coordinator');
    expect(p.completedTxns).toEqual([{ producerId: PID, firstOffset: 5n, lastOffset: 7n, isAborted: false }]);
    m.update(p, 8n);
    expect(m.firstUndecidedOffset()).toBeNull();
    expect(m.firstUnstableOffset()).toBe(5n); // marker not yet below the HW
    m.onHighWatermarkUpdated(8n);
    expect(m.firstUnstableOffset()).toBeNull();
    expect(codeOf(() => m.plan([marker(9n, ControlRecordType.ABORT, 1)], 'coordinator'))).toBe(ErrorCode.TRANSACTION_COORDINATOR_FENCED);
    expect(codeOf(() => m.plan([marker(9n, ControlRecordType.ABORT, 1)], 'replication'))).toBe('none');
  });

  it('expires idle producers but not one with an open transaction', () => {
    m.producerIdExpirationMs = 1000;
    append(batch({ base: 0n, seq: 0, ts: 1000 }));
    append(batch({ base: 1n, seq: 0, pid: 5n, txn: true, ts: 1000 }));
    m.removeExpiredProducers(1999);
    expect(m.size).toBe(2);
    m.removeExpiredProducers(2000);
    expect(m.entry(PID)).toBeUndefined();
    expect(m.entry(5n)).toBeDefined();
  });
});

describe('ProducerStateManager: snapshots', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gregor-pst-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("encodes Kafka's version-1 layout: 10-byte header, 46 bytes per producer, CRC-32C after the header", () => {
    const e = new ProducerStateEntry(PID, 2, 7, 123n, 40n);
    e.addBatch(2, 9, 44n, 3, 123n);
    const buf = encodeSnapshot([e]);
    expect(buf.length).toBe(10 + 46);
    expect(buf.readInt16BE(0)).toBe(1);
    expect(buf.readInt32BE(6)).toBe(1);
    expect(buf.readBigInt64BE(10)).toBe(PID);
    expect(buf.readInt16BE(18)).toBe(2);
    expect(buf.readInt32BE(20)).toBe(9);
    expect(buf.readBigInt64BE(24)).toBe(44n);
    expect(buf.readInt32BE(32)).toBe(3);
    expect(buf.readBigInt64BE(36)).toBe(123n);
    expect(buf.readInt32BE(44)).toBe(7);
    expect(buf.readBigInt64BE(48)).toBe(40n);
    const [back] = decodeSnapshot(buf);
    expect(back!.findDuplicate(2, 6, 9)).toBeDefined();
    expect(back!.currentTxnFirstOffset).toBe(40n);
    const bad = Buffer.from(buf);
    bad[30]! ^= 1;
    expect(() => decodeSnapshot(bad)).toThrow(/CRC/);
    const wrongCount = Buffer.from(buf);
    wrongCount.writeInt32BE(2, 6);
    wrongCount.writeUInt32BE(crc32c(wrongCount.subarray(6)), 2);
    expect(() => decodeSnapshot(wrongCount)).toThrow(/cannot hold 2 entries/);
  });

  it('takes a snapshot at the map end, reloads it, and skips a corrupt newer one', async () => {
    const m = new ProducerStateManager(dir, 't-0');
    m.replay([batch({ base: 0n, seq: 0, count: 2 })]);
    await m.takeSnapshot();
    expect(listSnapshotOffsets(dir)).toEqual([2n]);
    m.replay([batch({ base: 2n, seq: 2 })]);
    await m.takeSnapshot();
    fs.writeFileSync(snapshotFileName(dir, 3n), Buffer.from('garbage!!!!!'));
    const fresh = new ProducerStateManager(dir, 't-0');
    expect(fresh.loadSnapshot(0n, 100n, 0)).toBe(2n);
    expect(fresh.entry(PID)!.lastSeq).toBe(1);
    expect(listSnapshotOffsets(dir)).toEqual([2n]);
  });

  it('truncation below the map end reloads from an older snapshot; head truncation drops producers and old snapshots', async () => {
    const m = new ProducerStateManager(dir, 't-0');
    m.replay([batch({ base: 0n, seq: 0, pid: 1n })]);
    await m.takeSnapshot();
    m.replay([batch({ base: 1n, seq: 0, pid: 2n })]);
    await m.takeSnapshot();
    expect(m.truncateAndReload(0n, 1n, 0)).toBe(1n);
    expect(m.entry(2n)).toBeUndefined();
    expect(m.entry(1n)).toBeDefined();
    expect(listSnapshotOffsets(dir)).toEqual([1n]);
    m.replay([batch({ base: 1n, seq: 0, pid: 3n })]);
    m.truncateHead(1n);
    expect(m.entry(1n)).toBeUndefined();
    expect(m.entry(3n)).toBeDefined();
    expect(listSnapshotOffsets(dir)).toEqual([1n]);
  });
});
