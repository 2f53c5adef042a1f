/**
 * DescribeProducers: v0 (Kafka's KafkaApis.handleDescribeProducersRequest)
 *
 * Behavior:
 * * Per partition the producers its local replica remembers (any role: Kafka reads the local
 *   log, leader or follower): producer id, epoch, last sequence, last timestamp (ms),
 *   coordinator epoch of its last marker, and the first offset of its open transaction (-1).
 * * Errors: INVALID_TOPIC_EXCEPTION for a name that is not a valid topic name and
 *   UNKNOWN_TOPIC_OR_PARTITION for a topic the cluster does not have (whole topic);
 *   per partition NOT_LEADER_OR_FOLLOWER when the partition exists but has no replica here,
 *   UNKNOWN_TOPIC_OR_PARTITION when it does not exist.
 *
 * Version notes:
 * * v0: flexible
 */
import { ErrorCode, errorCodeOf } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readDescribeProducersRequest, type DescribeProducersRequest } from '../../protocol/generated/describe-producers-request';
import {
  defaultDescribeProducersResponse,
  defaultPartitionResponse,
  sizeDescribeProducersResponse,
  writeDescribeProducersResponse,
  type DescribeProducersResponse,
  type PartitionResponse,
} from '../../protocol/generated/describe-producers-response';
import { defineHandler, type HandlerContext } from './define-handler';

/** Kafka's Topic.validate: 1-249 characters of [a-zA-Z0-9._-], not "." or "..". */
const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

function topicError(ctx: HandlerContext, name: string): ErrorCode {
  if (!LEGAL_TOPIC.test(name) || name === '.' || name === '..') return ErrorCode.INVALID_TOPIC_EXCEPTION;
  if (!ctx.services.metadataCache.topic(name)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  return ErrorCode.NONE;
}

function describe(ctx: HandlerContext, topic: string, partition: number): PartitionResponse {
  const out: PartitionResponse = { ...defaultPartitionResponse(), partitionIndex: partition };
  try {
    out.activeProducers = ctx.services.replicaManager.activeProducers(topic, partition).map((p) => ({
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      lastSequence: p.lastSequence,
      lastTimestamp: p.lastTimestamp,
      coordinatorEpoch: p.coordinatorEpoch,
      currentTxnStartOffset: p.currentTxnStartOffset,
    }));
  } catch (e) {
    out.errorCode = errorCodeOf(e);
    if (out.errorCode === ErrorCode.UNKNOWN_SERVER_ERROR) ctx.log.error({ err: e, topic, partition }, 'DescribeProducers failed');
  }
  return out;
}

export const describeProducersHandler = defineHandler<DescribeProducersRequest, DescribeProducersResponse>({
  apiKey: ApiKey.DescribeProducers,
  minVersion: 0,
  maxVersion: 0,
  read: readDescribeProducersRequest,
  write: writeDescribeProducersResponse,
  size: sizeDescribeProducersResponse,
  handle(ctx, req) {
    return {
      ...defaultDescribeProducersResponse(),
      topics: req.topics.map((t) => {
        const code = topicError(ctx, t.name);
        return {
          name: t.name,
          partitions: t.partitionIndexes.map((p) => (code === ErrorCode.NONE ? describe(ctx, t.name, p) : { ...defaultPartitionResponse(), partitionIndex: p, errorCode: code })),
        };
      }),
    };
  },
  errorResponse(req, code) {
    return {
      ...defaultDescribeProducersResponse(),
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => ({ ...defaultPartitionResponse(), partitionIndex: p, errorCode: code })) })),
    };
  },
});
