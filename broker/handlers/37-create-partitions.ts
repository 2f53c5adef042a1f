/**
 * CreatePartitions: v0-3
 *
 * Behavior:
 * * Grows a topic to `count` partitions (never shrinks): INVALID_PARTITIONS when count is not
 *   above the current number, UNKNOWN_TOPIC_OR_PARTITION for a missing topic,
 *   INVALID_REPLICA_ASSIGNMENT for bad manual assignments, INVALID_REPLICATION_FACTOR when the
 *   topic's RF exceeds the live brokers, INVALID_REQUEST for a topic listed twice.
 * * validateOnly checks without changing anything. Otherwise the partitions are written and the
 *   answer waits up to timeoutMs for their leaders (REQUEST_TIMED_OUT, without a message, after
 *   it); timeoutMs <= 0 answers REQUEST_TIMED_OUT at once while the partitions are still created.
 *
 * Version notes:
 * * v2: flexible   * v3: same as v2
 */
import { ErrorCode, KafkaError, errorCodeOf } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readCreatePartitionsRequest, type CreatePartitionsRequest } from '../../protocol/generated/create-partitions-request';
import {
  defaultCreatePartitionsResponse,
  defaultCreatePartitionsTopicResult,
  sizeCreatePartitionsResponse,
  writeCreatePartitionsResponse,
  type CreatePartitionsResponse,
} from '../../protocol/generated/create-partitions-response';
import { defineHandler } from './define-handler';

export const createPartitionsHandler = defineHandler<CreatePartitionsRequest, CreatePartitionsResponse>({
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  read: readCreatePartitionsRequest,
  write: writeCreatePartitionsResponse,
  size: sizeCreatePartitionsResponse,
  async handle(ctx, req) {
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results = await Promise.all(
      req.topics.map(async (t) => {
        const base = { ...defaultCreatePartitionsTopicResult(), name: t.name };
        if ((counts.get(t.name) ?? 0) > 1) return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Duplicate topic in request: ${t.name}` };
        try {
          await ctx.services.topicAdmin.createPartitions(t.name, t.count, t.assignments?.map((a) => a.brokerIds) ?? null, req.validateOnly, req.timeoutMs);
          return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
        } catch (e) {
          if (!(e instanceof KafkaError)) ctx.log.error({ err: e, topic: t.name }, 'CreatePartitions failed');
          const errorCode = errorCodeOf(e);
          // Kafka's timed-out answer carries no message
          return { ...base, errorCode, errorMessage: errorCode === ErrorCode.REQUEST_TIMED_OUT ? null : (e as Error).message };
        }
      }),
    );
    return { ...defaultCreatePartitionsResponse(), results };
  },
  errorResponse(req, code) {
    return { ...defaultCreatePartitionsResponse(), results: req.topics.map((t) => ({ ...defaultCreatePartitionsTopicResult(), name: t.name, errorCode: code })) };
  },
});
