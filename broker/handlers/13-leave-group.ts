/**
 * LeaveGroup: v0-5
 *
 * Behavior:
 * * v0-2: one member (memberId); the response's errorCode is the group error, else that
 *   member's error.
 * * v3+: a batch of members, each by memberId or (admin removal) by groupInstanceId alone;
 *   one result per member.
 *
 * Version notes:
 * * v1: throttleTimeMs   * v3: members[] with groupInstanceId   * v4: flexible   * v5: reason
 */
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readLeaveGroupRequest, type LeaveGroupRequest } from '../../protocol/generated/leave-group-request';
import { defaultLeaveGroupResponse, sizeLeaveGroupResponse, writeLeaveGroupResponse, type LeaveGroupResponse } from '../../protocol/generated/leave-group-response';
import { requireGroupCoordinator } from '../../coordinator/group/group-coordinator';
import { defineHandler } from './define-handler';

export const leaveGroupHandler = defineHandler<LeaveGroupRequest, LeaveGroupResponse>({
  apiKey: ApiKey.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  read: readLeaveGroupRequest,
  write: writeLeaveGroupResponse,
  size: sizeLeaveGroupResponse,
  handle(ctx, req) {
    const gc = requireGroupCoordinator(ctx.services.groupCoordinator);
    const v = ctx.apiVersion;
    const leaving =
      v >= 3
        ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: v >= 5 ? m.reason : null }))
        : [{ memberId: req.memberId, groupInstanceId: null, reason: null }];
    const r = gc.leaveGroup(req.groupId, leaving);
    if (v < 3) {
      const memberError = r.members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
      return { ...defaultLeaveGroupResponse(), errorCode: r.errorCode !== ErrorCode.NONE ? r.errorCode : memberError };
    }
    return { ...defaultLeaveGroupResponse(), errorCode: r.errorCode, members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: m.errorCode })) };
  },
  errorResponse(_req, code) {
    return { ...defaultLeaveGroupResponse(), errorCode: code };
  },
});
