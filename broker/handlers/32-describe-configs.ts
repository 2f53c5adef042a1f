/**
 * DescribeConfigs: v0-4
 *
 * Behavior (Kafka 3.9's ConfigHelper):
 * * TOPIC (2): every topic config with its effective value and source (topic override, dynamic
 *   broker, static broker, default), synonyms when asked (v1+). An illegal name ->
 *   INVALID_TOPIC_EXCEPTION; an unknown topic -> UNKNOWN_TOPIC_OR_PARTITION without a message.
 * * BROKER (4): this broker's id: every broker config it knows, and keys it does not know set at
 *   some level (sensitive, value null); "": only the cluster-wide dynamic defaults. Sensitive
 *   values are null. Another broker id or a name that is not an int -> INVALID_REQUEST.
 * * BROKER_LOGGER (8): the runtime loggers and levels (this broker's id only).
 *   CLIENT_METRICS (16) -> INVALID_REQUEST (KRaft only).
 * * Any other resource type fails the whole request: INVALID_REQUEST for every resource.
 * * configurationKeys null or empty = all keys.
 *
 * Version notes:
 * * v0: isDefault is false for every entry (Kafka 3.9 never sets it)   * v1: configSource, synonyms
 * * v3: configType, documentation   * v4: flexible
 */
import { ErrorCode, KafkaError, errorCodeOf } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readDescribeConfigsRequest, type DescribeConfigsRequest } from '../../protocol/generated/describe-configs-request';
import {
  defaultDescribeConfigsResourceResult,
  defaultDescribeConfigsResponse,
  defaultDescribeConfigsResult,
  sizeDescribeConfigsResponse,
  writeDescribeConfigsResponse,
  type DescribeConfigsResponse,
} from '../../protocol/generated/describe-configs-response';
import { DESCRIBABLE_RESOURCE_TYPES, SilentConfigError, resourceTypeName } from '../config/config-admin';
import { defineHandler } from './define-handler';

export const describeConfigsHandler = defineHandler<DescribeConfigsRequest, DescribeConfigsResponse>({
  apiKey: ApiKey.DescribeConfigs,
  minVersion: 0,
  maxVersion: 4,
  read: readDescribeConfigsRequest,
  write: writeDescribeConfigsResponse,
  size: sizeDescribeConfigsResponse,
  handle(ctx, req) {
    const v = ctx.apiVersion;
    const unsupported = req.resources.find((r) => !DESCRIBABLE_RESOURCE_TYPES.has(r.resourceType));
    if (unsupported) {
      const message = `Unexpected resource type ${resourceTypeName(unsupported.resourceType)} for resource ${unsupported.resourceName}`;
      return everyResourceFailed(req, ErrorCode.INVALID_REQUEST, message);
    }
    const results = req.resources.map((res) => {
      const base = { ...defaultDescribeConfigsResult(), resourceType: res.resourceType, resourceName: res.resourceName };
      try {
        const configs = ctx.services.configAdmin.describe(res.resourceType, res.resourceName, res.configurationKeys, v >= 1 && req.includeSynonyms, v >= 3 && req.includeDocumentation);
        return {
          ...base,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          configs: configs.map((c) => ({
            ...defaultDescribeConfigsResourceResult(),
            name: c.name,
            value: c.value,
            readOnly: c.readOnly,
            isDefault: false,
            configSource: v >= 1 ? c.configSource : -1,
            isSensitive: c.isSensitive,
            synonyms: v >= 1 ? c.synonyms : [],
            configType: v >= 3 ? c.configType : 0,
            documentation: v >= 3 ? c.documentation : null,
          })),
        };
      } catch (e) {
        if (!(e instanceof KafkaError)) ctx.log.error({ err: e }, 'DescribeConfigs failed');
        return { ...base, errorCode: errorCodeOf(e), errorMessage: e instanceof SilentConfigError ? null : (e as Error).message, configs: [] };
      }
    });
    return { ...defaultDescribeConfigsResponse(), results };
  },
  errorResponse(req, code) {
    return everyResourceFailed(req, code, null);
  },
});

function everyResourceFailed(req: DescribeConfigsRequest, code: ErrorCode, message: string | null): DescribeConfigsResponse {
  return {
    ...defaultDescribeConfigsResponse(),
    results: req.resources.map((r) => ({ ...defaultDescribeConfigsResult(), resourceType: r.resourceType, resourceName: r.resourceName, errorCode: code, errorMessage: message, configs: [] })),
  };
}
