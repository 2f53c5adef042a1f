/**
 * JoinGroup: v0-9
 *
 * Behavior:
 * * Translates to GroupCoordinator.joinGroup; the response may wait for the rebalance
 *   (up to the group's rebalance timeout) while other requests of the connection proceed.
 * * A new member without group.instance.id gets MEMBER_ID_REQUIRED (v4+) with its id first.
 * * protocolName is '' instead of null below v7 (non-nullable there).
 *
 * Version notes:
 * * v1: rebalanceTimeoutMs (v0: the session timeout is used)   * v2: throttleTimeMs
 * * v4: MEMBER_ID_REQUIRED   * v5: groupInstanceId (static membership)   * v6: flexible
 * * v7: protocolType in the response, nullable protocolName   * v8: reason   * v9: skipAssignment
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { readJoinGroupRequest, type JoinGroupRequest } from '../../protocol/generated/join-group-request';
import { defaultJoinGroupResponse, sizeJoinGroupResponse, writeJoinGroupResponse, type JoinGroupResponse } from '../../protocol/generated/join-group-response';
import { clientHostOf, requireGroupCoordinator } from '../../coordinator/group/group-coordinator';
import type { JoinGroupResult } from '../../coordinator/group/member';
import { defineHandler } from './define-handler';

function toResponse(r: JoinGroupResult, version: number): JoinGroupResponse {
  return {
    ...defaultJoinGroupResponse(),
    errorCode: r.errorCode,
    generationId: r.generationId,
    protocolType: version >= 7 ? r.protocolType : null,
    protocolName: version >= 7 ? r.protocolName : (r.protocolName ?? ''),
    leader: r.leaderId,
    skipAssignment: version >= 9 ? r.skipAssignment : false,
    memberId: r.memberId,
    members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: version >= 5 ? m.groupInstanceId : null, metadata: m.metadata })),
  };
}

export const joinGroupHandler = defineHandler<JoinGroupRequest, JoinGroupResponse>({
  apiKey: ApiKey.JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  read: readJoinGroupRequest,
  write: writeJoinGroupResponse,
  size: sizeJoinGroupResponse,
  async handle(ctx, req) {
    const gc = requireGroupCoordinator(ctx.services.groupCoordinator);
    const v = ctx.apiVersion;
    const groupInstanceId = v >= 5 ? req.groupInstanceId : null;
    const result = await gc.joinGroup({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId,
      clientId: ctx.clientId ?? '',
      clientHost: clientHostOf(ctx.peer),
      rebalanceTimeoutMs: v >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      sessionTimeoutMs: req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      requireKnownMemberId: v >= 4 && groupInstanceId === null,
      supportSkippingAssignment: v >= 9,
      reason: v >= 8 ? req.reason : null,
    });
    return toResponse(result, v);
  },
  errorResponse(req, code, ctx) {
    return { ...defaultJoinGroupResponse(), errorCode: code, generationId: -1, memberId: req.memberId, protocolName: ctx.apiVersion >= 7 ? null : '' };
  },
});
