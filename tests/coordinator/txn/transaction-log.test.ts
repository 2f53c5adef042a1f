import { ErrorCode } from '../../../protocol/errors';
import { Writer } from '../../../protocol/primitives/writer';
import { sizeTransactionLogValue, writeTransactionLogValue } from '../../../protocol/generated/internal/transaction-log-value';
import {
  decodeTransactionLogKey,
  decodeTransactionLogValue,
  encodeTransactionLogKey,
  encodeTransactionLogValue,
  partitionFor,
} from '../../../coordinator/txn/transaction-log';
import type { TxnTransitMetadata } from '../../../coordinator/txn/transaction-metadata';
import { TransactionState as S } from '../../../coordinator/txn/transaction-state';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const ONGOING: TxnTransitMetadata = {
  producerId: 5n,
  lastProducerId: 5n,
  producerEpoch: 1,
  lastProducerEpoch: -1,
  txnTimeoutMs: 60000,
  txnState: S.Ongoing,
  topicPartitions: [
    { topic: 't', partition: 0 },
    { topic: 't', partition: 2 },
  ],
  txnStartTimestamp: 900,
  txnLastUpdateTimestamp: 1000,
};

describe('partitionFor', () => {
  it('is Utils.abs(String.hashCode) % partitions, as Kafka computes it', () => {
    // hashCodes computed independently: 'hello' 99162322, 'my-transactional-id' -959806496
    expect(partitionFor('hello', 50)).toBe(22);
    expect(partitionFor('my-transactional-id', 50)).toBe(46);
    expect(partitionFor('my-transactional-id', 7)).toBe(5);
    expect(partitionFor('producer-Ω', 50)).toBe(18);
  });

  it('maps a hashCode of Integer.MIN_VALUE to partition 0 (Utils.abs, not Math.abs)', () => {
    // 'polygenelubricants'.hashCode() == Integer.MIN_VALUE; Math.abs would leave it negative
    expect(partitionFor('polygenelubricants', 50)).toBe(0);
    expect(partitionFor('polygenelubricants', 7)).toBe(0);
  });
});

describe('__transaction_state records', () => {
  it('writes the key as version 0 + the transactional id', () => {
    expect(encodeTransactionLogKey('ab')).toEqual(hex('0000 0002 6162'));
    expect(decodeTransactionLogKey(hex('0000 0002 6162'))).toBe('ab');
  });

  it('skips keys of versions it does not know', () => {
    expect(decodeTransactionLogKey(hex('0001 0002 6162'))).toBeNull();
  });

  it('writes the value as version 0, byte for byte as Kafka 3.9', () => {
    expect(encodeTransactionLogValue(ONGOING)).toEqual(
      hex(`0000
        0000000000000005 0001 0000ea60 01
        00000001 0001 74 00000002 00000000 00000002
        00000000000003e8 0000000000000384`),
    );
  });

  it('writes Empty with a null partition list and refuses Empty with partitions or Dead', () => {
    const empty = { ...ONGOING, txnState: S.Empty, topicPartitions: [], txnStartTimestamp: -1 };
    expect(encodeTransactionLogValue(empty).subarray(17, 21)).toEqual(hex('ffffffff'));
    expect(() => encodeTransactionLogValue({ ...ONGOING, txnState: S.Empty })).toThrow(/no partitions/);
    expect(() => encodeTransactionLogValue({ ...ONGOING, txnState: S.Dead })).toThrow(/tombstone/);
  });

  it('round-trips, with lastProducerId/lastProducerEpoch not stored', () => {
    const md = decodeTransactionLogValue('x', encodeTransactionLogValue({ ...ONGOING, lastProducerId: 4n, lastProducerEpoch: 0 }))!;
    expect(md.transactionalId).toBe('x');
    expect([md.producerId, md.producerEpoch, md.lastProducerId, md.lastProducerEpoch, md.txnTimeoutMs, md.state]).toEqual([5n, 1, -1n, -1, 60000, S.Ongoing]);
    expect(md.partitions.toArray()).toEqual(ONGOING.topicPartitions);
    expect([md.txnStartTimestamp, md.txnLastUpdateTimestamp, md.pendingState]).toEqual([900, 1000, null]);
  });

  it('reads a flexible v1 value (written once transaction.version is finalized)', () => {
    const m = {
      producerId: 9n,
      producerEpoch: 2,
      transactionTimeoutMs: 10,
      transactionStatus: S.PrepareCommit,
      transactionPartitions: [{ topic: 'u', partitionIds: [3] }],
      transactionLastUpdateTimestampMs: 20n,
      transactionStartTimestampMs: 15n,
    };
    const w = new Writer(2 + sizeTransactionLogValue(m, 1));
    w.writeInt16(1);
    writeTransactionLogValue(w, m, 1);
    const md = decodeTransactionLogValue('y', w.finishConcat())!;
    expect([md.producerId, md.state, md.partitions.toArray()]).toEqual([9n, S.PrepareCommit, [{ topic: 'u', partition: 3 }]]);
  });

  it('ignores partitions stored with an Empty state, decodes tombstones as null', () => {
    const m = { producerId: 1n, producerEpoch: 0, transactionTimeoutMs: 10, transactionStatus: S.Empty, transactionPartitions: [{ topic: 'u', partitionIds: [3] }], transactionLastUpdateTimestampMs: 1n, transactionStartTimestampMs: -1n };
    const w = new Writer(2 + sizeTransactionLogValue(m, 0));
    w.writeInt16(0);
    writeTransactionLogValue(w, m, 0);
    expect(decodeTransactionLogValue('z', w.finishConcat())!.partitions.size).toBe(0);
    expect(decodeTransactionLogValue('z', null)).toBeNull();
  });

  it('refuses unknown value versions and malformed bytes with CORRUPT_MESSAGE', () => {
    const v = encodeTransactionLogValue(ONGOING);
    const v2 = Buffer.from(v);
    v2.writeInt16BE(2, 0);
    expect(() => decodeTransactionLogValue('x', v2)).toThrow(expect.objectContaining({ code: ErrorCode.CORRUPT_MESSAGE }));
    expect(() => decodeTransactionLogValue('x', v.subarray(0, 10))).toThrow(expect.objectContaining({ code: ErrorCode.CORRUPT_MESSAGE }));
    const badState = Buffer.from(v);
    badState.writeInt8(9, 16);
    expect(() => decodeTransactionLogValue('x', badState)).toThrow(/Unknown transaction state id 9/);
  });
});
