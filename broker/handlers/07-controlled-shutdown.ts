/**
 * ControlledShutdown: v0-3 (inter-broker: a broker leaving asks the controller)
 *
 * Behavior:
 * * Only the active controller answers; any other broker NOT_CONTROLLER.
 * * The controller moves leadership of the broker's partitions to other ISR members, drops it
 *   from the ISR where it follows, and answers the partitions it still leads (no other
 *   replica in the ISR); STALE_BROKER_EPOCH for an old registration, BROKER_NOT_AVAILABLE for
 *   an unknown broker.
 *
 * Version notes:
 * * v0: request header v0 (no client id)   * v2: brokerEpoch   * v3: flexible
 */
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readControlledShutdownRequest, type ControlledShutdownRequest } from '../../protocol/generated/controlled-shutdown-request';
import {
  defaultControlledShutdownResponse,
  sizeControlledShutdownResponse,
  writeControlledShutdownResponse,
  type ControlledShutdownResponse,
} from '../../protocol/generated/controlled-shutdown-response';
import { defineHandler } from './define-handler';

export const controlledShutdownHandler = defineHandler<ControlledShutdownRequest, ControlledShutdownResponse>({
  apiKey: ApiKey.ControlledShutdown,
  minVersion: 0,
  maxVersion: 3,
  read: readControlledShutdownRequest,
  write: writeControlledShutdownResponse,
  size: sizeControlledShutdownResponse,
  async handle(ctx, req) {
    const controller = ctx.services.controller;
    if (!controller?.isActive) return { ...defaultControlledShutdownResponse(), errorCode: ErrorCode.NOT_CONTROLLER };
    const r = await controller.controlledShutdown(req.brokerId, ctx.apiVersion >= 2 ? req.brokerEpoch : -1n);
    return { ...defaultControlledShutdownResponse(), errorCode: r.errorCode, remainingPartitions: r.remainingPartitions };
  },
  errorResponse(_req, code) {
    return { ...defaultControlledShutdownResponse(), errorCode: code };
  },
});
