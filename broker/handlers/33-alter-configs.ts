/**
 * AlterConfigs: v0-2
 *
 * Behavior:
 * * Replaces the whole set of dynamic configs of each resource (Kafka's legacy semantics: keys
 *   not listed return to their defaults).
 * * A null value -> INVALID_REQUEST.
 * * TOPIC: INVALID_CONFIG for unknown keys / bad values, UNKNOWN_TOPIC_OR_PARTITION.
 *   BROKER ("" = cluster default, or this broker's id): INVALID_CONFIG for unknown keys;
 *   INVALID_REQUEST for a key that is not dynamic or a bad value (Kafka 3.9 answers BROKER
 *   validation failures so). An accepted change is in effect before the response.
 * * validateOnly checks without changing anything. New topic configs apply to the logs at once.
 *
 * Version notes:
 * * v1: same as v0   * v2: flexible
 */
import { ErrorCode, KafkaError, errorCodeOf } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readAlterConfigsRequest, type AlterConfigsRequest } from '../../protocol/generated/alter-configs-request';
import {
  defaultAlterConfigsResourceResponse,
  defaultAlterConfigsResponse,
  sizeAlterConfigsResponse,
  writeAlterConfigsResponse,
  type AlterConfigsResponse,
} from '../../protocol/generated/alter-configs-response';
import { AlterOp } from '../config/config-admin';
import { defineHandler } from './define-handler';

export const alterConfigsHandler = defineHandler<AlterConfigsRequest, AlterConfigsResponse>({
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  read: readAlterConfigsRequest,
  write: writeAlterConfigsResponse,
  size: sizeAlterConfigsResponse,
  async handle(ctx, req) {
    const responses = [];
    for (const res of req.resources) {
      const base = { ...defaultAlterConfigsResourceResponse(), resourceType: res.resourceType, resourceName: res.resourceName };
      try {
        await ctx.services.configAdmin.alter(res.resourceType, res.resourceName, res.configs.map((c) => ({ name: c.name, value: c.value, op: AlterOp.SET })), false, req.validateOnly);
        responses.push({ ...base, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (e) {
        if (!(e instanceof KafkaError)) ctx.log.error({ err: e }, 'AlterConfigs failed');
        responses.push({ ...base, errorCode: errorCodeOf(e), errorMessage: (e as Error).message });
      }
    }
    return { ...defaultAlterConfigsResponse(), responses };
  },
  errorResponse(req, code) {
    return {
      ...defaultAlterConfigsResponse(),
      responses: req.resources.map((r) => ({ ...defaultAlterConfigsResourceResponse(), resourceType: r.resourceType, resourceName: r.resourceName, errorCode: code })),
    };
  },
});
