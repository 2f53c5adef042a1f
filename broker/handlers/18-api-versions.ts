/**
 * ApiVersions: v0-4
 *
 * Behavior:
 * * Lists every API in the handler registry (handlers/index.ts) with the versions it serves.
 * * A version above 4 never reaches this handler: the dispatcher answers v0 with
 *   UNSUPPORTED_VERSION and the list (KIP-511).
 * * No features are advertised (no KRaft feature levels in ZooKeeper-style mode).
 *
 * Version notes:
 * * v1: throttleTimeMs   * v3: flexible, client software name/version, features (tagged)
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { readApiVersionsRequest, type ApiVersionsRequest } from '../../protocol/generated/api-versions-request';
import {
  defaultApiVersionsResponse,
  sizeApiVersionsResponse,
  writeApiVersionsResponse,
  type ApiVersionsResponse,
} from '../../protocol/generated/api-versions-response';
import { defineHandler, type BrokerServices } from './define-handler';

function response(services: BrokerServices, errorCode: number): ApiVersionsResponse {
  return {
    ...defaultApiVersionsResponse(),
    errorCode,
    apiKeys: services.apiVersions.map(([apiKey, minVersion, maxVersion]) => ({ apiKey, minVersion, maxVersion })),
    finalizedFeaturesEpoch: -1n,
  };
}

export const apiVersionsHandler = defineHandler<ApiVersionsRequest, ApiVersionsResponse>({
  apiKey: ApiKey.ApiVersions,
  minVersion: 0,
  maxVersion: 4,
  read: readApiVersionsRequest,
  write: writeApiVersionsResponse,
  size: sizeApiVersionsResponse,
  handle(ctx) {
    return response(ctx.services, 0);
  },
  errorResponse(_req, code, ctx) {
    return response(ctx.services, code);
  },
});
