/**
 * CreateTopics: v0-7
 *
 * Behavior:
 * * Each topic is validated and created independently (one failure never affects the others):
 *   INVALID_TOPIC_EXCEPTION (name), TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS,
 *   INVALID_REPLICATION_FACTOR (RF above the live brokers: 1 on one node),
 *   INVALID_REPLICA_ASSIGNMENT, INVALID_CONFIG (unknown key or bad value), INVALID_REQUEST
 *   (a name listed twice, or assignments together with partitions/RF).
 * * validateOnly: everything is checked, nothing is created; the result describes the topic
 *   (timeoutMs plays no part).
 * * timeoutMs (ZkAdminManager.createTopics / DelayedCreatePartitions): the answer waits up to
 *   timeoutMs for every new partition to have a leader, then REQUEST_TIMED_OUT; with timeoutMs
 *   <= 0 the topic is written to the store and REQUEST_TIMED_OUT answered at once (the creation
 *   goes on). A REQUEST_TIMED_OUT carries no message; an error result has numPartitions and
 *   replicationFactor -1 and no configs.
 * * -1 partitions / RF mean num.partitions / default.replication.factor (v4+).
 *
 * Version notes:
 * * v1: validateOnly, errorMessage   * v4: -1 defaults   * v5: flexible, partitions/RF/configs in
 *   the result, topicConfigErrorCode   * v7: topicId
 */
import { ErrorCode, KafkaError, errorCodeOf } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readCreateTopicsRequest, type CreatableTopic, type CreateTopicsRequest } from '../../protocol/generated/create-topics-request';
import {
  defaultCreatableTopicResult,
  defaultCreateTopicsResponse,
  sizeCreateTopicsResponse,
  writeCreateTopicsResponse,
  type CreatableTopicResult,
  type CreateTopicsResponse,
} from '../../protocol/generated/create-topics-response';
import { TOPIC_CONFIG_BY_KEY } from '../../coordinator/topic-config';
import { defineHandler, type HandlerContext } from './define-handler';
import { ZERO_UUID } from './03-metadata';

async function createOne(ctx: HandlerContext, t: CreatableTopic, validateOnly: boolean, timeoutMs: number): Promise<CreatableTopicResult> {
  const v = ctx.apiVersion;
  const base = { ...defaultCreatableTopicResult(), name: t.name };
  try {
    const configs: Record<string, string | null> = {};
    for (const c of t.configs) configs[c.name] = c.value;
    const created = await ctx.services.topicAdmin.createTopic(
      {
        name: t.name,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        assignments: new Map(t.assignments.map((a) => [a.partitionIndex, a.brokerIds])),
        configs,
      },
      validateOnly,
      false,
      timeoutMs,
    );
    if (v < 5) return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
    const resolved = ctx.services.configAdmin.resolveTopic(created.configs);
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topicId: v >= 7 && created.topicId !== '' ? created.topicId : ZERO_UUID,
      numPartitions: created.numPartitions,
      replicationFactor: created.replicationFactor,
      configs: resolved.map((r) => ({
        name: r.key,
        value: TOPIC_CONFIG_BY_KEY.get(r.key)?.sensitive ? null : r.value,
        readOnly: false,
        configSource: r.source,
        isSensitive: TOPIC_CONFIG_BY_KEY.get(r.key)?.sensitive === true,
      })),
    };
  } catch (e) {
    const code = errorCodeOf(e);
    if (!(e instanceof KafkaError)) ctx.log.error({ err: e, topic: t.name }, 'CreateTopics failed');
    const message = v >= 1 && code !== ErrorCode.REQUEST_TIMED_OUT ? (e as Error).message : null;
    return { ...base, errorCode: code, errorMessage: message };
  }
}

export const createTopicsHandler = defineHandler<CreateTopicsRequest, CreateTopicsResponse>({
  apiKey: ApiKey.CreateTopics,
  minVersion: 0,
  maxVersion: 7,
  read: readCreateTopicsRequest,
  write: writeCreateTopicsResponse,
  size: sizeCreateTopicsResponse,
  async handle(ctx, req) {
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const validateOnly = ctx.apiVersion >= 1 && req.validateOnly;
    const topics = await Promise.all(
      req.topics.map((t) =>
        (counts.get(t.name) ?? 0) > 1
          ? Promise.resolve({ ...defaultCreatableTopicResult(), name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: ctx.apiVersion >= 1 ? `Create topics request contains multiple entries for topic ${t.name}` : null })
          : createOne(ctx, t, validateOnly, req.timeoutMs),
      ),
    );
    return { ...defaultCreateTopicsResponse(), topics };
  },
  errorResponse(req, code) {
    return { ...defaultCreateTopicsResponse(), topics: req.topics.map((t) => ({ ...defaultCreatableTopicResult(), name: t.name, errorCode: code })) };
  },
});
