/**
 * AddOffsetsToTxn: v0-4
 *
 * Behavior:
 * * Adds the group's __consumer_offsets partition (abs(hash(groupId)) % its partition count) to
 *   the transaction, as AddPartitionsToTxn does, so that TxnOffsetCommit may follow; one error
 *   code (NOT_COORDINATOR, CONCURRENT_TRANSACTIONS, INVALID_PRODUCER_ID_MAPPING, ...).
 *
 * Version notes:
 * * v0-1: PRODUCER_FENCED is answered as INVALID_PRODUCER_EPOCH   * v3: flexible
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { readAddOffsetsToTxnRequest, type AddOffsetsToTxnRequest } from '../../protocol/generated/add-offsets-to-txn-request';
import { defaultAddOffsetsToTxnResponse, sizeAddOffsetsToTxnResponse, writeAddOffsetsToTxnResponse, type AddOffsetsToTxnResponse } from '../../protocol/generated/add-offsets-to-txn-response';
import { fencedForVersion, requireTxnCoordinator } from '../txn/txn-handler-support';
import { defineHandler } from './define-handler';

export const addOffsetsToTxnHandler = defineHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>({
  apiKey: ApiKey.AddOffsetsToTxn,
  minVersion: 0,
  maxVersion: 4,
  read: readAddOffsetsToTxnRequest,
  write: writeAddOffsetsToTxnResponse,
  size: sizeAddOffsetsToTxnResponse,
  async handle(ctx, req) {
    const tc = requireTxnCoordinator(ctx.services);
    const code = await tc.handleAddOffsetsToTransaction(req.transactionalId, req.producerId, req.producerEpoch, req.groupId);
    return { ...defaultAddOffsetsToTxnResponse(), errorCode: fencedForVersion(code, ctx.apiVersion, 2) };
  },
  errorResponse(_req, code) {
    return { ...defaultAddOffsetsToTxnResponse(), errorCode: code };
  },
});
