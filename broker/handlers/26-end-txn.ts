/**
 * EndTxn: v0-4
 *
 * Behavior:
 * * committed true -> COMMIT, false -> ABORT: TransactionCoordinator.handleEndTransaction answers
 *   once PrepareCommit / PrepareAbort is durable in __transaction_state; the markers are then
 *   written to every partition of the transaction in the background and the transaction
 *   completes (CompleteCommit / CompleteAbort). A retry of the same end answers NONE; the other
 *   end, or a request while the previous transaction completes, CONCURRENT_TRANSACTIONS /
 *   INVALID_TXN_STATE as Kafka.
 *
 * Version notes:
 * * v0-1: PRODUCER_FENCED is answered as INVALID_PRODUCER_EPOCH   * v3: flexible
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { readEndTxnRequest, type EndTxnRequest } from '../../protocol/generated/end-txn-request';
import { defaultEndTxnResponse, sizeEndTxnResponse, writeEndTxnResponse, type EndTxnResponse } from '../../protocol/generated/end-txn-response';
import { fencedForVersion, requireTxnCoordinator } from '../txn/txn-handler-support';
import { defineHandler } from './define-handler';

export const endTxnHandler = defineHandler<EndTxnRequest, EndTxnResponse>({
  apiKey: ApiKey.EndTxn,
  minVersion: 0,
  maxVersion: 4,
  read: readEndTxnRequest,
  write: writeEndTxnResponse,
  size: sizeEndTxnResponse,
  async handle(ctx, req) {
    const tc = requireTxnCoordinator(ctx.services);
    const code = await tc.handleEndTransaction(req.transactionalId, req.producerId, req.producerEpoch, req.committed ? 'COMMIT' : 'ABORT');
    return { ...defaultEndTxnResponse(), errorCode: fencedForVersion(code, ctx.apiVersion, 2) };
  },
  errorResponse(_req, code) {
    return { ...defaultEndTxnResponse(), errorCode: code };
  },
});
