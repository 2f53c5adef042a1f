/**
 * DescribeGroups: v0-5
 *
 * Behavior:
 * * One entry per requested group: state, protocol type, members (client id/host, instance id).
 *   Member metadata, assignments and the protocol name are filled only for Stable groups.
 * * An unknown group is reported with state "Dead" and no error (Kafka 3.9).
 * * authorizedOperations (v3+): when asked for, READ, DESCRIBE, DELETE (every GROUP operation:
 *   no authorizer) on each group described without error, as KafkaApis.handleDescribeGroupsRequest;
 *   otherwise (not asked, or an error entry) Integer.MIN_VALUE.
 *
 * Version notes:
 * * v1: throttleTimeMs   * v3: authorizedOperations   * v4: groupInstanceId   * v5: flexible
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { readDescribeGroupsRequest, type DescribeGroupsRequest } from '../../protocol/generated/describe-groups-request';
import { defaultDescribeGroupsResponse, sizeDescribeGroupsResponse, writeDescribeGroupsResponse, type DescribeGroupsResponse } from '../../protocol/generated/describe-groups-response';
import { requireGroupCoordinator } from '../../coordinator/group/group-coordinator';
import { defineHandler } from './define-handler';
import { GROUP_OPERATIONS, NOT_REQUESTED_OPERATIONS as NOT_REQUESTED } from './authorized-operations';

export const describeGroupsHandler = defineHandler<DescribeGroupsRequest, DescribeGroupsResponse>({
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  read: readDescribeGroupsRequest,
  write: writeDescribeGroupsResponse,
  size: sizeDescribeGroupsResponse,
  handle(ctx, req) {
    const gc = requireGroupCoordinator(ctx.services.groupCoordinator);
    const v = ctx.apiVersion;
    const asked = v >= 3 && req.includeAuthorizedOperations;
    return {
      ...defaultDescribeGroupsResponse(),
      groups: req.groups.map((id) => {
        const d = gc.describeGroup(id);
        return {
          errorCode: d.errorCode,
          groupId: id,
          groupState: d.state,
          protocolType: d.protocolType,
          protocolData: d.protocol,
          members: d.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: v >= 4 ? m.groupInstanceId : null,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: m.metadata,
            memberAssignment: m.assignment,
          })),
          authorizedOperations: asked && d.errorCode === 0 ? GROUP_OPERATIONS : NOT_REQUESTED,
        };
      }),
    };
  },
  errorResponse(req, code) {
    return {
      ...defaultDescribeGroupsResponse(),
      groups: req.groups.map((groupId) => ({ errorCode: code, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: NOT_REQUESTED })),
    };
  },
});
