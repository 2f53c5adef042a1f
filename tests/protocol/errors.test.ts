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

  // Each row checked against apache/kafka Errors.java (3.9; 128+ from 4.1) and the superclass chain
  // of the mapped exception under clients/src/main/java/org/apache/kafka/common/errors/.
  it.each<[ErrorCode, boolean, string]>([
    [ErrorCode.UNKNOWN_SERVER_ERROR, false, 'UnknownServerException < ApiException'],
    [ErrorCode.OFFSET_OUT_OF_RANGE, false, 'OffsetOutOfRangeException < InvalidOffsetException < ApiException'],
    [ErrorCode.CORRUPT_MESSAGE, true, 'CorruptRecordException < RetriableException'],
    [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, true, 'UnknownTopicOrPartitionException < InvalidMetadataException < RetriableException'],
    [ErrorCode.LEADER_NOT_AVAILABLE, true, 'LeaderNotAvailableException < InvalidMetadataException < RetriableException'],
    [ErrorCode.NOT_LEADER_OR_FOLLOWER, true, 'NotLeaderOrFollowerException < NotLeaderForPartitionException < InvalidMetadataException < RetriableException'],
    [ErrorCode.REQUEST_TIMED_OUT, true, 'TimeoutException < RetriableException'],
    [ErrorCode.BROKER_NOT_AVAILABLE, false, 'BrokerNotAvailableException < ApiException'],
    [ErrorCode.REPLICA_NOT_AVAILABLE, true, 'ReplicaNotAvailableException < InvalidMetadataException < RetriableException'],
    [ErrorCode.MESSAGE_TOO_LARGE, false, 'RecordTooLargeException < ApiException'],
    [ErrorCode.NETWORK_EXCEPTION, true, 'NetworkException < InvalidMetadataException < RetriableException'],
    [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, true, 'CoordinatorLoadInProgressException < RetriableException'],
    [ErrorCode.COORDINATOR_NOT_AVAILABLE, true, 'CoordinatorNotAvailableException < RetriableException'],
    [ErrorCode.NOT_COORDINATOR, true, 'NotCoordinatorException < RetriableException'],
    [ErrorCode.NOT_ENOUGH_REPLICAS, true, 'NotEnoughReplicasException < RetriableException'],
    [ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, true, 'NotEnoughReplicasAfterAppendException < RetriableException'],
    [ErrorCode.ILLEGAL_GENERATION, false, 'IllegalGenerationException < ApiException'],
    [ErrorCode.UNKNOWN_MEMBER_ID, false, 'UnknownMemberIdException < ApiException'],
    [ErrorCode.REBALANCE_IN_PROGRESS, false, 'RebalanceInProgressException < ApiException'],
    [ErrorCode.TOPIC_AUTHORIZATION_FAILED, false, 'TopicAuthorizationException < AuthorizationException < ApiException'],
    [ErrorCode.UNSUPPORTED_VERSION, false, 'UnsupportedVersionException < ApiException'],
    [ErrorCode.NOT_CONTROLLER, true, 'NotControllerException < RetriableException'],
    [ErrorCode.INVALID_REQUEST, false, 'InvalidRequestException < ApiException'],
    [ErrorCode.CONCURRENT_TRANSACTIONS, true, 'ConcurrentTransactionsException < RetriableException'],
    [ErrorCode.KAFKA_STORAGE_ERROR, true, 'KafkaStorageException < InvalidMetadataException < RetriableException'],
    [ErrorCode.UNKNOWN_PRODUCER_ID, false, 'UnknownProducerIdException < OutOfOrderSequenceException < ApiException'],
    [ErrorCode.FETCH_SESSION_ID_NOT_FOUND, true, 'FetchSessionIdNotFoundException < RetriableException'],
    [ErrorCode.FENCED_LEADER_EPOCH, true, 'FencedLeaderEpochException < InvalidMetadataException < RetriableException'],
    [ErrorCode.UNKNOWN_LEADER_EPOCH, true, 'UnknownLeaderEpochException < RetriableException'],
    [ErrorCode.STALE_BROKER_EPOCH, false, 'StaleBrokerEpochException < ApiException'],
    [ErrorCode.OFFSET_NOT_AVAILABLE, true, 'OffsetNotAvailableException < RetriableException'],
    [ErrorCode.FENCED_INSTANCE_ID, false, 'FencedInstanceIdException < ApiException'],
    [ErrorCode.ELECTION_NOT_NEEDED, true, 'ElectionNotNeededException < InvalidMetadataException < RetriableException'],
    [ErrorCode.UNSTABLE_OFFSET_COMMIT, true, 'UnstableOffsetCommitException < RetriableException'],
    [ErrorCode.THROTTLING_QUOTA_EXCEEDED, true, 'ThrottlingQuotaExceededException < RetriableException'],
    [ErrorCode.PRODUCER_FENCED, false, 'ProducerFencedException < ApiException'],
    [ErrorCode.UNKNOWN_TOPIC_ID, true, 'UnknownTopicIdException < InvalidMetadataException < RetriableException'],
    [ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR, true, 'FetchSessionTopicIdException < RetriableException'],
    [ErrorCode.STALE_MEMBER_EPOCH, false, 'StaleMemberEpochException < ApiException'],
    [ErrorCode.TRANSACTION_ABORTABLE, false, 'TransactionAbortableException < ApiException'],
    [ErrorCode.SHARE_SESSION_NOT_FOUND, true, 'ShareSessionNotFoundException < RetriableException'],
    [ErrorCode.REBOOTSTRAP_REQUIRED, false, 'RebootstrapRequiredException < ApiException'],
    [ErrorCode.SHARE_SESSION_LIMIT_REACHED, true, 'ShareSessionLimitReachedException < RetriableException'],
  ])('code %i has retriable=%s (%s)', (code, retriable) => {
    expect(isRetriable(code)).toBe(retriable);
    expect(ERROR_INFO[code]?.retriable).toBe(retriable);
    expect(new KafkaError(code).retriable).toBe(retriable);
  });

  it('uses Kafka 3.9 default messages', () => {
    expect(errorInfo(ErrorCode.INVALID_GROUP_ID).message).toBe('The configured groupId is invalid.');
    expect(errorInfo(ErrorCode.GROUP_MAX_SIZE_REACHED).message).toBe('The consumer group has reached its max size.');
    expect(errorInfo(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS).message).toBe("The coordinator is loading and hence can't process requests.");
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
