/**
 * DeleteGroups: v0-2
 *
 * Behavior:
 * * Each group: GROUP_ID_NOT_FOUND if unknown, NON_EMPTY_GROUP if it has members, otherwise its
 *   offsets and metadata are removed (tombstones in __consumer_offsets) and NONE.
 * * Coordinator errors (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS ...) per group.
 *
 * Version notes:
 * * v1: (same)   * v2: flexible
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { readDeleteGroupsRequest, type DeleteGroupsRequest } from '../../protocol/generated/delete-groups-request';
import { defaultDeleteGroupsResponse, sizeDeleteGroupsResponse, writeDeleteGroupsResponse, type DeleteGroupsResponse } from '../../protocol/generated/delete-groups-response';
import { requireGroupCoordinator } from '../../coordinator/group/group-coordinator';
import { defineHandler } from './define-handler';

export const deleteGroupsHandler = defineHandler<DeleteGroupsRequest, DeleteGroupsResponse>({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  read: readDeleteGroupsRequest,
  write: writeDeleteGroupsResponse,
  size: sizeDeleteGroupsResponse,
  async handle(ctx, req) {
    const gc = requireGroupCoordinator(ctx.services.groupCoordinator);
    const results = await gc.deleteGroups(req.groupsNames);
    return { ...defaultDeleteGroupsResponse(), results: results.map((r) => ({ groupId: r.groupId, errorCode: r.errorCode })) };
  },
  errorResponse(req, code) {
    return { ...defaultDeleteGroupsResponse(), results: req.groupsNames.map((groupId) => ({ groupId, errorCode: code })) };
  },
});
