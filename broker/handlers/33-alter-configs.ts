/**
 * AlterConfigs: v0-2
 *
 * Behavior (Kafka 3.9's ConfigAdminManager.preprocess, then ZkAdminManager):
 * * Replaces the whole set of dynamic configs of each resource (Kafka's legacy semantics: keys
 *   not listed return to their defaults).
 * * A resource listed twice -> INVALID_REQUEST for each listing; duplicate keys or a null value ->
 *   INVALID_REQUEST; BROKER_LOGGER and unknown resource types -> INVALID_REQUEST.
 * * TOPIC: "" -> INVALID_REQUEST; UNKNOWN_TOPIC_OR_PARTITION; INVALID_CONFIG for unknown keys, bad
 *   values and refused combinations (min.compaction.lag.ms > max.compaction.lag.ms with the broker
 *   defaults, remote storage).
 *   BROKER ("" = cluster default, or this broker's id; another id or not an int -> INVALID_REQUEST):
 *   keys the table does not know are stored as custom configs (as Kafka does); a key that is not
 *   dynamic or a bad value -> INVALID_REQUEST. An accepted change is in effect before the response.
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
import { AlterOp, REPEATED_RESOURCE_MESSAGE, repeatedResources } from '../config/alter-ops';
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
    const repeated = repeatedResources(req.resources);
    for (const [i, res] of req.resources.entries()) {
      const base = { ...defaultAlterConfigsResourceResponse(), resourceType: res.resourceType, resourceName: res.resourceName };
      if (repeated.has(i)) {
        responses.push({ ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: REPEATED_RESOURCE_MESSAGE });
        continue;
      }
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
