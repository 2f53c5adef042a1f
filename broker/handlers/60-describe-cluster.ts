/**
 * DescribeCluster: v0-1
 *
 * Behavior:
 * * Cluster id, controller id and every live broker on the request's listener.
 * * endpointType (v1): 1 = brokers (answered); 2 = controllers -> UNSUPPORTED_ENDPOINT_TYPE.
 *
 * Version notes:
 * * v1: endpointType
 */
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readDescribeClusterRequest, type DescribeClusterRequest } from '../../protocol/generated/describe-cluster-request';
import {
  defaultDescribeClusterResponse,
  sizeDescribeClusterResponse,
  writeDescribeClusterResponse,
  type DescribeClusterResponse,
} from '../../protocol/generated/describe-cluster-response';
import { defineHandler } from './define-handler';

export const describeClusterHandler = defineHandler<DescribeClusterRequest, DescribeClusterResponse>({
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  read: readDescribeClusterRequest,
  write: writeDescribeClusterResponse,
  size: sizeDescribeClusterResponse,
  handle(ctx, req) {
    const cache = ctx.services.metadataCache;
    const base = { ...defaultDescribeClusterResponse(), endpointType: ctx.apiVersion >= 1 ? req.endpointType : 1, clusterId: cache.clusterId, controllerId: cache.controllerId };
    if (ctx.apiVersion >= 1 && req.endpointType !== 1) {
      return { ...base, errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'Only broker endpoints can be described' };
    }
    return {
      ...base,
      brokers: cache.brokers(ctx.listener).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
    };
  },
  errorResponse(req, code, ctx) {
    return { ...defaultDescribeClusterResponse(), endpointType: ctx.apiVersion >= 1 ? req.endpointType : 1, errorCode: code };
  },
});
