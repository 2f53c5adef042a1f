/**
 * DescribeGroups: v0-5
 *
 * Behavior:
 * * One entry per requested group: state, protocol type, members (client id/host, instance id).
 *   Member metadata, assignments and the protocol name are filled only for Stable groups.
 * * An unknown group is reported with state "Dead" and no error (Kafka 3.9).
 * * authorizedOperations (v3+): READ, DESCRIBE, DELETE (no authorizer) when asked for, else
 *   Integer.MIN_VALUE.
 *
 * Version notes:
 * * v1: throttleTimeMs   * v3: authorizedOperations   * v4: groupInstanceId   * v5: flexible
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { readDescribeGroupsRequest, type DescribeGroupsRequest } from '../../protocol/generated/describe-groups-request';
import { defaultDescribeGroupsResponse, sizeDescribeGroupsResponse, writeDescribeGroupsResponse, type DescribeGroupsResponse } from '../../protocol/generated/describe-groups-response';
import { requireGroupCoordinator } from '../../coordinator/group/group-coordinator';
import { defineHandler } from './define-handler';

/** AclOperation codes READ(3), DELETE(6), DESCRIBE(8) as a bit field. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);
const NOT_REQUESTED = -2147483648;

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
    const ops = v >= 3 && req.includeAuthorizedOperations ? GROUP_OPERATIONS : NOT_REQUESTED;
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
          authorizedOperations: ops,
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
