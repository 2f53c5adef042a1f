/**
 * Metadata: v0-12
 *
 * Behavior:
 * * Brokers: every live broker's endpoint on the listener the request arrived on.
 * * topics null (v1+) or empty (v0): every topic. Otherwise each named topic (or topic id, v10+).
 * * A missing topic is created when auto.create.topics.enable and the request allows it
 *   (always below v4); the created topic is returned at once with its leaders.
 *   Otherwise UNKNOWN_TOPIC_OR_PARTITION; an illegal name INVALID_TOPIC_EXCEPTION;
 *   an unknown id UNKNOWN_TOPIC_ID.
 * * Leaders, epochs, replicas and ISR are the metadata cache's (the controller's UpdateMetadata).
 * * Authorized operations (v8+, no authorizer: every operation of the resource type), as
 *   KafkaApis.handleTopicMetadataRequest: when includeTopicAuthorizedOperations, on every topic
 *   entry looked up by name (found, auto-created or not found) but not on unknown topic ids; when
 *   includeClusterAuthorizedOperations (v8-10 only), on the cluster. Otherwise Integer.MIN_VALUE.
 *
 * Version notes:
 * * v1: controllerId, rack, isInternal, null = all topics   * v2: clusterId
 * * v4: allowAutoTopicCreation   * v5: offlineReplicas   * v7: leaderEpoch
 * * v8: authorized operations   * v9: flexible   * v10: topic ids   * v12: lookup by id only
 */
import { ErrorCode, KafkaError, errorCodeOf } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readMetadataRequest, type MetadataRequest } from '../../protocol/generated/metadata-request';
import {
  defaultMetadataResponse,
  defaultMetadataResponseTopic,
  sizeMetadataResponse,
  writeMetadataResponse,
  type MetadataResponse,
  type MetadataResponseTopic,
} from '../../protocol/generated/metadata-response';
import type { TopicMetadata } from '../../coordinator/metadata-store';
import { validateTopicName } from '../metadata/topic-admin';
import { defineHandler, type HandlerContext } from './define-handler';
import { CLUSTER_OPERATIONS, TOPIC_OPERATIONS } from './authorized-operations';

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

function topicEntry(ctx: HandlerContext, t: TopicMetadata): MetadataResponseTopic {
  const cache = ctx.services.metadataCache;
  const partitions = [...t.assignment.keys()].sort((a, b) => a - b).map((p) => {
    const info = cache.partitionInfo(t, p)!;
    return {
      errorCode: info.leader === -1 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: p,
      leaderId: info.leader,
      leaderEpoch: info.leaderEpoch,
      replicaNodes: [...info.replicas],
      isrNodes: [...info.isr],
      offlineReplicas: [...info.offline],
    };
  });
  return { ...defaultMetadataResponseTopic(), errorCode: ErrorCode.NONE, name: t.name, topicId: t.topicId, isInternal: t.isInternal, partitions };
}

function errorEntry(name: string | null, topicId: string, code: ErrorCode): MetadataResponseTopic {
  return { ...defaultMetadataResponseTopic(), errorCode: code, name, topicId, partitions: [] };
}

async function resolveTopic(ctx: HandlerContext, req: MetadataRequest, name: string | null, topicId: string): Promise<MetadataResponseTopic> {
  const cache = ctx.services.metadataCache;
  if (name === null || name === '') {
    if (topicId === ZERO_UUID) return errorEntry(name, topicId, ErrorCode.INVALID_REQUEST);
    const t = cache.topicById(topicId);
    return t ? withTopicOperations(req, topicEntry(ctx, t)) : errorEntry(null, topicId, ErrorCode.UNKNOWN_TOPIC_ID);
  }
  return withTopicOperations(req, await resolveByName(ctx, req, name));
}

/** Kafka sets topic authorized operations on every entry of a topic resolved by name or found by id. */
function withTopicOperations(req: MetadataRequest, t: MetadataResponseTopic): MetadataResponseTopic {
  if (req.includeTopicAuthorizedOperations) t.topicAuthorizedOperations = TOPIC_OPERATIONS;
  return t;
}

async function resolveByName(ctx: HandlerContext, req: MetadataRequest, name: string): Promise<MetadataResponseTopic> {
  const { metadataCache: cache, config, topicAdmin } = ctx.services;
  const existing = cache.topic(name);
  if (existing) return topicEntry(ctx, existing);
  try {
    validateTopicName(name);
  } catch (e) {
    return errorEntry(name, ZERO_UUID, errorCodeOf(e));
  }
  const allow = ctx.apiVersion < 4 || req.allowAutoTopicCreation;
  if (!allow || !config.autoCreateTopicsEnable) return errorEntry(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  try {
    const created = await topicAdmin.autoCreate(name);
    return created ? topicEntry(ctx, created) : errorEntry(name, ZERO_UUID, ErrorCode.LEADER_NOT_AVAILABLE);
  } catch (e) {
    const code = errorCodeOf(e);
    if (!(e instanceof KafkaError)) ctx.log.error({ err: e, topic: name }, 'auto topic creation failed');
    return errorEntry(name, ZERO_UUID, code === ErrorCode.INVALID_REPLICATION_FACTOR ? ErrorCode.INVALID_REPLICATION_FACTOR : code);
  }
}

function base(ctx: HandlerContext): MetadataResponse {
  const cache = ctx.services.metadataCache;
  return {
    ...defaultMetadataResponse(),
    brokers: cache.brokers(ctx.listener).map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
    clusterId: ctx.apiVersion >= 2 ? cache.clusterId : null,
    controllerId: ctx.apiVersion >= 1 ? cache.controllerId : -1,
  };
}

export const metadataHandler = defineHandler<MetadataRequest, MetadataResponse>({
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 12,
  read: readMetadataRequest,
  write: writeMetadataResponse,
  size: sizeMetadataResponse,
  async handle(ctx, req) {
    const resp = base(ctx);
    const all = req.topics === null || (ctx.apiVersion === 0 && req.topics.length === 0);
    if (all) {
      resp.topics = ctx.services.metadataCache.topics().map((t) => withTopicOperations(req, topicEntry(ctx, t)));
    } else {
      resp.topics = await Promise.all(req.topics!.map((t) => resolveTopic(ctx, req, t.name, t.topicId)));
    }
    if (ctx.apiVersion < 10) for (const t of resp.topics) t.topicId = ZERO_UUID;
    if (ctx.apiVersion >= 8 && ctx.apiVersion <= 10 && req.includeClusterAuthorizedOperations) resp.clusterAuthorizedOperations = CLUSTER_OPERATIONS;
    return resp;
  },
  errorResponse(req, code, ctx) {
    const resp = base(ctx);
    resp.topics = (req.topics ?? []).map((t) => errorEntry(t.name, ctx.apiVersion >= 10 ? t.topicId : ZERO_UUID, code));
    return resp;
  },
});
