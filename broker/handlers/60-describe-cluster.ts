/**
 * DescribeCluster: v0-1
 *
 * Behavior (Kafka's AuthHelper.computeDescribeClusterResponse on a ZooKeeper-mode broker):
 * * Cluster id, controller id (-1 unless the controller is among the live brokers listed) and
 *   every live broker on the request's listener; endpointType 1 (brokers).
 * * endpointType 2 (controllers) reaches a broker endpoint: MISMATCHED_ENDPOINT_TYPE; any other
 *   value: UNSUPPORTED_ENDPOINT_TYPE (INVALID_REQUEST for either at v0, which cannot carry one).
 *   The error answer carries only the code and message (schema defaults elsewhere).
 * * clusterAuthorizedOperations: every CLUSTER operation (no authorizer) when asked for, else
 *   Integer.MIN_VALUE.
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
import { CLUSTER_OPERATIONS, NOT_REQUESTED_OPERATIONS } from './authorized-operations';

/** Kafka's EndpointType ids. */
const BROKER_ENDPOINT = 1;
const CONTROLLER_ENDPOINT = 2;

function endpointError(version: number, endpointType: number): DescribeClusterResponse | undefined {
  if (endpointType === BROKER_ENDPOINT) return undefined;
  const [code, errorMessage] =
    endpointType === CONTROLLER_ENDPOINT
      ? [ErrorCode.MISMATCHED_ENDPOINT_TYPE, 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER']
      : [ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, `Unsupported endpoint type ${endpointType}`];
  return { ...defaultDescribeClusterResponse(), errorCode: version === 0 ? ErrorCode.INVALID_REQUEST : code, errorMessage };
}

export const describeClusterHandler = defineHandler<DescribeClusterRequest, DescribeClusterResponse>({
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  read: readDescribeClusterRequest,
  write: writeDescribeClusterResponse,
  size: sizeDescribeClusterResponse,
  handle(ctx, req) {
    const failed = endpointError(ctx.apiVersion, req.endpointType);
    if (failed) return failed;
    const cache = ctx.services.metadataCache;
    const brokers = cache.brokers(ctx.listener).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
    return {
      ...defaultDescribeClusterResponse(),
      endpointType: BROKER_ENDPOINT,
      clusterId: cache.clusterId,
      controllerId: brokers.some((b) => b.brokerId === cache.controllerId) ? cache.controllerId : -1,
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : NOT_REQUESTED_OPERATIONS,
      brokers,
    };
  },
  errorResponse(_req, code) {
    return { ...defaultDescribeClusterResponse(), errorCode: code };
  },
});
