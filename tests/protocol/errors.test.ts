/** The Kafka error table and error types. */
import { ERROR_INFO, ErrorCode, KafkaError, ProtocolDecodeError, errorCodeOf, errorInfo, isRetriable } from '../../protocol/errors';

describe('Protocol > errors', () => {
  it('has every code from -1 through 133 with a name matching the enum', () => {
    for (let c = -1; c <= 133; c++) {
      const info = ERROR_INFO[c];
      expect(info).toBeDefined();
      expect(ErrorCode[info?.name as keyof typeof ErrorCode]).toBe(c);
      if (c !== 0) expect(info?.message.length).toBeGreaterThan(0);
    }
  });

  it('matches Kafka codes and retriable flags for well-known errors', () => {
    expect(ErrorCode.NOT_LEADER_OR_FOLLOWER).toBe(6);
    expect(ErrorCode.UNSUPPORTED_VERSION).toBe(35);
    expect(ErrorCode.INVALID_REQUEST).toBe(42);
    expect(ErrorCode.FENCED_INSTANCE_ID).toBe(82);
    expect(ErrorCode.UNKNOWN_TOPIC_ID).toBe(100);
    expect(ErrorCode.TRANSACTION_ABORTABLE).toBe(120);
    expect(ErrorCode.VOTER_NOT_FOUND).toBe(127);
    for (const c of [2, 3, 5, 6, 7, 13, 14, 15, 16, 19, 20, 41, 51, 56, 74, 75, 78, 89, 100]) expect(isRetriable(c)).toBe(true);
    for (const c of [-1, 0, 1, 10, 22, 25, 27, 35, 36, 42, 47, 87, 90]) expect(isRetriable(c)).toBe(false);
  });

  it('KafkaError carries the code; errorCodeOf maps anything else to UNKNOWN_SERVER_ERROR', () => {
    const e = new KafkaError(ErrorCode.NOT_COORDINATOR);
    expect(e.message).toBe('This is not the correct coordinator.');
    expect(e.name).toBe('NOT_COORDINATOR');
    expect(e.retriable).toBe(true);
    expect(errorCodeOf(e)).toBe(16);
    expect(errorCodeOf(new Error('x'))).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    expect(errorCodeOf('x')).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    const d = new ProtocolDecodeError('bad', 3);
    expect(d).toBeInstanceOf(KafkaError);
    expect(errorCodeOf(d)).toBe(ErrorCode.INVALID_REQUEST);
    expect(new ProtocolDecodeError('crc', 0, ErrorCode.CORRUPT_MESSAGE).code).toBe(2);
    expect(errorInfo(9999).name).toBe('UNKNOWN_ERROR_CODE_9999');
  });
});
