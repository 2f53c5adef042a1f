/**
 * DescribeConfigs: v0-4
 *
 * Behavior:
 * * TOPIC (2): every topic config with its effective value and source (topic override, dynamic
 *   broker, static broker, default), synonyms when asked (v1+). Unknown topic ->
 *   UNKNOWN_TOPIC_OR_PARTITION.
 * * BROKER (4): every broker config this broker knows (name = this broker id, or "" for the
 *   cluster-wide dynamic defaults); sensitive values are null. Another broker id -> INVALID_REQUEST.
 * * BROKER_LOGGER (8): an empty list. Other resource types -> INVALID_REQUEST.
 * * configurationKeys null = all keys.
 *
 * Version notes:
 * * v0: isDefault   * v1: configSource, synonyms   * v3: configType, documentation   * v4: flexible
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
            isDefault: v === 0 ? c.isDefault : false,
            configSource: v >= 1 ? c.configSource : -1,
            isSensitive: c.isSensitive,
            synonyms: v >= 1 ? c.synonyms : [],
            configType: v >= 3 ? c.configType : 0,
            documentation: v >= 3 ? c.documentation : null,
          })),
        };
      } catch (e) {
        if (!(e instanceof KafkaError)) ctx.log.error({ err: e }, 'DescribeConfigs failed');
        return { ...base, errorCode: errorCodeOf(e), errorMessage: (e as Error).message, configs: [] };
      }
    });
    return { ...defaultDescribeConfigsResponse(), results };
  },
  errorResponse(req, code) {
    return {
      ...defaultDescribeConfigsResponse(),
      results: req.resources.map((r) => ({ ...defaultDescribeConfigsResult(), resourceType: r.resourceType, resourceName: r.resourceName, errorCode: code, configs: [] })),
    };
  },
});
