import { ProtocolDecodeError } from '../../../protocol/errors';
import {
  ControlRecordType,
  buildEndTxnMarkerBatch,
  encodeControlRecordKey,
  encodeEndTxnMarkerValue,
  readControlRecordType,
  readEndTxnMarker,
} from '../../../protocol/records/control-record';
import { RecordBatchView } from '../../../protocol/records/record-batch';
import { readRecords } from '../../../protocol/records/record';

describe('Protocol > Records > control records', () => {
  test('transaction marker batch layout', () => {
    const buf = buildEndTxnMarkerBatch({
      type: ControlRecordType.COMMIT,
      coordinatorEpoch: 7,
      producerId: 123n,
      producerEpoch: 4,
      baseOffset: 50n,
      timestamp: 1000,
    });
    const v = new RecordBatchView(buf);
    expect(v.isControl).toBe(true);
    expect(v.isTransactional).toBe(true);
    expect(v.producerId).toBe(123n);
    expect(v.producerEpoch).toBe(4);
    expect(v.baseSequence).toBe(-1);
    expect(v.recordCount).toBe(1);
    expect(v.isValidCrc()).toBe(true);
    const [r] = readRecords(buf);
    expect(r!.key).toEqual(Buffer.from([0, 0, 0, 1]));
    expect(r!.value).toEqual(Buffer.from([0, 0, 0, 0, 0, 7]));
    expect(r!.offset).toBe(50n);
    expect(readEndTxnMarker(r!.key, r!.value)).toEqual({ type: ControlRecordType.COMMIT, coordinatorEpoch: 7 });
  });

  test('key and value codecs', () => {
    for (const t of [0, 1, 2, 3, 4, 5, 6] as ControlRecordType[]) expect(readControlRecordType(encodeControlRecordKey(t))).toBe(t);
    expect(readControlRecordType(Buffer.from([0, 0, 0, 99]))).toBe(ControlRecordType.UNKNOWN);
    expect(readControlRecordType(Buffer.from([0, 1, 0, 0, 0xaa]))).toBe(ControlRecordType.ABORT); // newer version: prefix read
    expect(() => readControlRecordType(Buffer.from([0, 0, 0]))).toThrow(ProtocolDecodeError);
    expect(() => readControlRecordType(null)).toThrow(ProtocolDecodeError);
    expect(() => readControlRecordType(Buffer.from([0xff, 0xff, 0, 0]))).toThrow(ProtocolDecodeError);
    expect(readEndTxnMarker(encodeControlRecordKey(ControlRecordType.ABORT), encodeEndTxnMarkerValue(-1))).toEqual({
      type: ControlRecordType.ABORT,
      coordinatorEpoch: -1,
    });
    expect(() => readEndTxnMarker(encodeControlRecordKey(ControlRecordType.ABORT), Buffer.alloc(5))).toThrow(ProtocolDecodeError);
    expect(() => readEndTxnMarker(encodeControlRecordKey(ControlRecordType.LEADER_CHANGE), encodeEndTxnMarkerValue(1))).toThrow(
      ProtocolDecodeError,
    );
  });
});
