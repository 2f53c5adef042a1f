/**
 * UpdateMetadata: v7-8 (inter-broker: from the controller)
 *
 * Behavior:
 * * Replaces the live brokers and updates the partition states of this broker's metadata
 *   cache (broker/metadata/metadata-cache.ts), which Metadata, FindCoordinator and
 *   DescribeCluster answer from; leader -2 removes a partition being deleted.
 * * STALE_CONTROLLER_EPOCH from a controller older than the newest one applied;
 *   STALE_BROKER_EPOCH when meant for an earlier registration of this broker.
 * * Only v7+ (topic ids) is served: Gregor's controller sends v8.
 *
 * Version notes:
 * * v7: topic ids   * v8: isKRaftController, type
 */
import { ErrorCode, errorCodeOf } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readUpdateMetadataRequest, type UpdateMetadataRequest } from '../../protocol/generated/update-metadata-request';
import {
  defaultUpdateMetadataResponse,
  sizeUpdateMetadataResponse,
  writeUpdateMetadataResponse,
  type UpdateMetadataResponse,
} from '../../protocol/generated/update-metadata-response';
import { defineHandler } from './define-handler';

export const updateMetadataHandler = defineHandler<UpdateMetadataRequest, UpdateMetadataResponse>({
  apiKey: ApiKey.UpdateMetadata,
  minVersion: 7,
  maxVersion: 8,
  read: readUpdateMetadataRequest,
  write: writeUpdateMetadataResponse,
  size: sizeUpdateMetadataResponse,
  handle(ctx, req) {
    const own = ctx.services.leadership.brokerEpoch;
    if (req.brokerEpoch >= 0n && own >= 0n && req.brokerEpoch < own) return { ...defaultUpdateMetadataResponse(), errorCode: ErrorCode.STALE_BROKER_EPOCH };
    try {
      ctx.services.metadataCache.update(req);
    } catch (e) {
      return { ...defaultUpdateMetadataResponse(), errorCode: errorCodeOf(e) };
    }
    return { ...defaultUpdateMetadataResponse(), errorCode: ErrorCode.NONE };
  },
  errorResponse(_req, code) {
    return { ...defaultUpdateMetadataResponse(), errorCode: code };
  },
});
