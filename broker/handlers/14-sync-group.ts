/**
 * SyncGroup: v0-5
 *
 * Behavior:
 * * Translates to GroupCoordinator.syncGroup; a follower's response waits for the leader's
 *   assignment (or the rebalance ending otherwise).
 * * v5+: protocolType and protocolName are mandatory (INCONSISTENT_GROUP_PROTOCOL if null) and
 *   must match the group's.
 *
 * Version notes:
 * * v1: throttleTimeMs   * v3: groupInstanceId   * v4: flexible   * v5: protocolType/protocolName
 */
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readSyncGroupRequest, type SyncGroupRequest } from '../../protocol/generated/sync-group-request';
import { defaultSyncGroupResponse, sizeSyncGroupResponse, writeSyncGroupResponse, type SyncGroupResponse } from '../../protocol/generated/sync-group-response';
import { requireGroupCoordinator } from '../../coordinator/group/group-coordinator';
import { defineHandler } from './define-handler';

export const syncGroupHandler = defineHandler<SyncGroupRequest, SyncGroupResponse>({
  apiKey: ApiKey.SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  read: readSyncGroupRequest,
  write: writeSyncGroupResponse,
  size: sizeSyncGroupResponse,
  async handle(ctx, req) {
    const gc = requireGroupCoordinator(ctx.services.groupCoordinator);
    const v = ctx.apiVersion;
    if (v >= 5 && (req.protocolType === null || req.protocolName === null)) {
      return { ...defaultSyncGroupResponse(), errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL };
    }
    const r = await gc.syncGroup({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: v >= 3 ? req.groupInstanceId : null,
      protocolType: v >= 5 ? req.protocolType : null,
      protocolName: v >= 5 ? req.protocolName : null,
      assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
    });
    return {
      ...defaultSyncGroupResponse(),
      errorCode: r.errorCode,
      protocolType: v >= 5 ? r.protocolType : null,
      protocolName: v >= 5 ? r.protocolName : null,
      assignment: r.assignment,
    };
  },
  errorResponse(_req, code) {
    return { ...defaultSyncGroupResponse(), errorCode: code };
  },
});
