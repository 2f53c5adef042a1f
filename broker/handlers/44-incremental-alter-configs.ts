/**
 * IncrementalAlterConfigs: v0-1
 *
 * Behavior:
 * * Per key: SET (0), DELETE (1, back to the default), APPEND (2) / SUBTRACT (3) for list configs
 *   (INVALID_CONFIG for others; the list starts from Kafka's default of the key when unset).
 * * Same request checks, resources and errors as AlterConfigs (33), plus BROKER_LOGGER (8): SET or
 *   DELETE the level of an existing runtime logger (RuntimeLoggerManager's checks).
 * * validateOnly checks only.
 *
 * Version notes:
 * * v1: flexible
 */
import { ErrorCode, KafkaError, errorCodeOf } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readIncrementalAlterConfigsRequest, type IncrementalAlterConfigsRequest } from '../../protocol/generated/incremental-alter-configs-request';
import {
  defaultAlterConfigsResourceResponse,
  defaultIncrementalAlterConfigsResponse,
  sizeIncrementalAlterConfigsResponse,
  writeIncrementalAlterConfigsResponse,
  type IncrementalAlterConfigsResponse,
} from '../../protocol/generated/incremental-alter-configs-response';
import { REPEATED_RESOURCE_MESSAGE, repeatedResources } from '../config/alter-ops';
import { defineHandler } from './define-handler';

export const incrementalAlterConfigsHandler = defineHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>({
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  read: readIncrementalAlterConfigsRequest,
  write: writeIncrementalAlterConfigsResponse,
  size: sizeIncrementalAlterConfigsResponse,
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
        await ctx.services.configAdmin.alter(res.resourceType, res.resourceName, res.configs.map((c) => ({ name: c.name, value: c.value, op: c.configOperation })), true, req.validateOnly);
        responses.push({ ...base, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (e) {
        if (!(e instanceof KafkaError)) ctx.log.error({ err: e }, 'IncrementalAlterConfigs failed');
        responses.push({ ...base, errorCode: errorCodeOf(e), errorMessage: (e as Error).message });
      }
    }
    return { ...defaultIncrementalAlterConfigsResponse(), responses };
  },
  errorResponse(req, code) {
    return {
      ...defaultIncrementalAlterConfigsResponse(),
      responses: req.resources.map((r) => ({ ...defaultAlterConfigsResourceResponse(), resourceType: r.resourceType, resourceName: r.resourceName, errorCode: code })),
    };
  },
});
