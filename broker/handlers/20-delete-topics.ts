/**
 * DeleteTopics: v0-6
 *
 * Behavior:
 * * Deletes topics by name (v0-5 topicNames, v6 topics[].name) or by id (v6 topics[].topicId):
 *   the metadata entry, the partition states and every local log.
 * * Errors per topic: UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID, TOPIC_DELETION_DISABLED
 *   (delete.topic.enable=false), INVALID_REQUEST (both name and id, or neither).
 *
 * Version notes:
 * * v1: throttleTimeMs   * v4: flexible   * v5: errorMessage   * v6: topics by name or id
 */
import { ErrorCode, KafkaError, errorCodeOf } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readDeleteTopicsRequest, type DeleteTopicsRequest } from '../../protocol/generated/delete-topics-request';
import {
  defaultDeletableTopicResult,
  defaultDeleteTopicsResponse,
  sizeDeleteTopicsResponse,
  writeDeleteTopicsResponse,
  type DeletableTopicResult,
  type DeleteTopicsResponse,
} from '../../protocol/generated/delete-topics-response';
import { defineHandler, type HandlerContext } from './define-handler';
import { ZERO_UUID } from './03-metadata';

function requested(ctx: HandlerContext, req: DeleteTopicsRequest): { name: string | null; topicId: string }[] {
  if (ctx.apiVersion >= 6) return req.topics.map((t) => ({ name: t.name, topicId: t.topicId }));
  return req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
}

async function deleteOne(ctx: HandlerContext, name: string | null, topicId: string): Promise<DeletableTopicResult> {
  const v = ctx.apiVersion;
  const result = (code: ErrorCode, n: string | null, id: string, message: string | null = null): DeletableTopicResult => ({
    ...defaultDeletableTopicResult(),
    name: n,
    topicId: v >= 6 ? id : ZERO_UUID,
    errorCode: code,
    errorMessage: v >= 5 ? message : null,
  });
  const byId = topicId !== ZERO_UUID;
  if (byId && name !== null) return result(ErrorCode.INVALID_REQUEST, name, topicId, 'Deleting a topic by name and id at once is not allowed');
  let topicName = name;
  if (byId) {
    topicName = ctx.services.metadataCache.topicById(topicId)?.name ?? null;
    if (topicName === null) return result(ErrorCode.UNKNOWN_TOPIC_ID, null, topicId, 'This server does not host this topic ID.');
  }
  if (topicName === null) return result(ErrorCode.INVALID_REQUEST, null, topicId, 'Neither a topic name nor an id was given');
  try {
    const t = await ctx.services.topicAdmin.deleteTopic(topicName);
    return result(ErrorCode.NONE, t.name, t.topicId);
  } catch (e) {
    if (!(e instanceof KafkaError)) ctx.log.error({ err: e, topic: topicName }, 'DeleteTopics failed');
    return result(errorCodeOf(e), topicName, topicId, (e as Error).message);
  }
}

export const deleteTopicsHandler = defineHandler<DeleteTopicsRequest, DeleteTopicsResponse>({
  apiKey: ApiKey.DeleteTopics,
  minVersion: 0,
  maxVersion: 6,
  read: readDeleteTopicsRequest,
  write: writeDeleteTopicsResponse,
  size: sizeDeleteTopicsResponse,
  async handle(ctx, req) {
    const responses = await Promise.all(requested(ctx, req).map((t) => deleteOne(ctx, t.name, t.topicId)));
    return { ...defaultDeleteTopicsResponse(), responses };
  },
  errorResponse(req, code, ctx) {
    return {
      ...defaultDeleteTopicsResponse(),
      responses: requested(ctx, req).map((t) => ({ ...defaultDeletableTopicResult(), name: t.name, topicId: ctx.apiVersion >= 6 ? t.topicId : ZERO_UUID, errorCode: code })),
    };
  },
});
