/**
 * ListGroups: v0-5
 *
 * Behavior:
 * * Every group of the __consumer_offsets partitions this broker coordinates.
 * * statesFilter (v4+) and typesFilter (v5+) match case-insensitively; empty = no filter. All
 *   groups here are "classic".
 * * COORDINATOR_LOAD_IN_PROGRESS (with the groups loaded so far) while a partition loads.
 *
 * Version notes:
 * * v1: throttleTimeMs   * v3: flexible   * v4: statesFilter, groupState   * v5: typesFilter, groupType
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { readListGroupsRequest, type ListGroupsRequest } from '../../protocol/generated/list-groups-request';
import { defaultListGroupsResponse, sizeListGroupsResponse, writeListGroupsResponse, type ListGroupsResponse } from '../../protocol/generated/list-groups-response';
import { requireGroupCoordinator } from '../../coordinator/group/group-coordinator';
import { defineHandler } from './define-handler';

export const listGroupsHandler = defineHandler<ListGroupsRequest, ListGroupsResponse>({
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  read: readListGroupsRequest,
  write: writeListGroupsResponse,
  size: sizeListGroupsResponse,
  handle(ctx, req) {
    const gc = requireGroupCoordinator(ctx.services.groupCoordinator);
    const v = ctx.apiVersion;
    const r = gc.listGroups(v >= 4 ? req.statesFilter : [], v >= 5 ? req.typesFilter : []);
    return {
      ...defaultListGroupsResponse(),
      errorCode: r.errorCode,
      groups: r.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: v >= 4 ? g.state : '', groupType: v >= 5 ? g.groupType : '' })),
    };
  },
  errorResponse(_req, code) {
    return { ...defaultListGroupsResponse(), errorCode: code };
  },
});
