/**
 * ApiVersions: v0-4
 *
 * Behavior (Kafka's KafkaApis.handleApiVersionsRequest):
 * * Lists every API in the handler registry (handlers/index.ts) with the versions it serves.
 * * v3+: a client software name or version not matching KIP-511's pattern (alphanumerics, with
 *   '.' and '-' allowed inside; not empty) is answered INVALID_REQUEST with no API keys
 *   (ApiVersionsRequest.isValid / getErrorResponse).
 * * A version above 4 never reaches this handler: the dispatcher answers v0 with
 *   UNSUPPORTED_VERSION and ApiVersions' own range as the only key (KIP-511).
 * * No features are advertised (no KRaft feature levels in ZooKeeper-style mode).
 *
 * Version notes:
 * * v1: throttleTimeMs   * v3: flexible, client software name/version, features (tagged)
 */
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readApiVersionsRequest, type ApiVersionsRequest } from '../../protocol/generated/api-versions-request';
import {
  defaultApiVersionsResponse,
  sizeApiVersionsResponse,
  writeApiVersionsResponse,
  type ApiVersionsResponse,
} from '../../protocol/generated/api-versions-response';
import { defineHandler, type BrokerServices } from './define-handler';

const API_VERSIONS_MIN = 0;
const API_VERSIONS_MAX = 4;

/** KIP-511: starts and ends with an ASCII alphanumeric; '-' and '.' allowed in between. */
const SOFTWARE_NAME_OR_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?$/;

/** Kafka's ApiVersionsRequest.isValid: below v3 the fields do not exist and every request is valid. */
export function isValidApiVersionsRequest(version: number, req: ApiVersionsRequest): boolean {
  return version < 3 || (SOFTWARE_NAME_OR_VERSION.test(req.clientSoftwareName) && SOFTWARE_NAME_OR_VERSION.test(req.clientSoftwareVersion));
}

function supported(services: BrokerServices): ApiVersionsResponse {
  return {
    ...defaultApiVersionsResponse(),
    errorCode: ErrorCode.NONE,
    apiKeys: services.apiVersions.map(([apiKey, minVersion, maxVersion]) => ({ apiKey, minVersion, maxVersion })),
    finalizedFeaturesEpoch: -1n,
  };
}

/** Kafka's ApiVersionsRequest.getErrorResponse: the code alone, plus ApiVersions' own range for UNSUPPORTED_VERSION. */
function errorAnswer(code: ErrorCode): ApiVersionsResponse {
  const apiKeys = code === ErrorCode.UNSUPPORTED_VERSION ? [{ apiKey: ApiKey.ApiVersions, minVersion: API_VERSIONS_MIN, maxVersion: API_VERSIONS_MAX }] : [];
  return { ...defaultApiVersionsResponse(), errorCode: code, apiKeys };
}

export const apiVersionsHandler = defineHandler<ApiVersionsRequest, ApiVersionsResponse>({
  apiKey: ApiKey.ApiVersions,
  minVersion: API_VERSIONS_MIN,
  maxVersion: API_VERSIONS_MAX,
  read: readApiVersionsRequest,
  write: writeApiVersionsResponse,
  size: sizeApiVersionsResponse,
  handle(ctx, req) {
    if (!isValidApiVersionsRequest(ctx.apiVersion, req)) return errorAnswer(ErrorCode.INVALID_REQUEST);
    return supported(ctx.services);
  },
  errorResponse(_req, code) {
    return errorAnswer(code);
  },
});
