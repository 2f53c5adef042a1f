/**
 * Heartbeat: v0-4
 *
 * Behavior:
 * * Keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
 * * While the group's coordinator partition loads, answers NONE (Kafka answers blindly).
 *
 * Version notes:
 * * v1: throttleTimeMs   * v3: groupInstanceId   * v4: flexible
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { readHeartbeatRequest, type HeartbeatRequest } from '../../protocol/generated/heartbeat-request';
import { defaultHeartbeatResponse, sizeHeartbeatResponse, writeHeartbeatResponse, type HeartbeatResponse } from '../../protocol/generated/heartbeat-response';
import { requireGroupCoordinator } from '../../coordinator/group/group-coordinator';
import { defineHandler } from './define-handler';

export const heartbeatHandler = defineHandler<HeartbeatRequest, HeartbeatResponse>({
  apiKey: ApiKey.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  read: readHeartbeatRequest,
  write: writeHeartbeatResponse,
  size: sizeHeartbeatResponse,
  handle(ctx, req) {
    const gc = requireGroupCoordinator(ctx.services.groupCoordinator);
    const errorCode = gc.heartbeat({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null,
    });
    return { ...defaultHeartbeatResponse(), errorCode };
  },
  errorResponse(_req, code) {
    return { ...defaultHeartbeatResponse(), errorCode: code };
  },
});
