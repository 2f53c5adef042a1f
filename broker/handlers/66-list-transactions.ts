/**
 * ListTransactions: v0-1
 *
 * Behavior:
 * * The transactions of every __transaction_state partition this broker has loaded, filtered by
 *   state names (unknown names are echoed in unknownStateFilters and match nothing) and producer
 *   ids (empty = all); COORDINATOR_LOAD_IN_PROGRESS while a partition loads. Admin clients ask
 *   every broker and merge.
 * * No authorizer: every transactional id is listed.
 *
 * Version notes:
 * * v1: durationFilter (only transactions running longer than that many ms; -1 = all, KIP-994)
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { readListTransactionsRequest, type ListTransactionsRequest } from '../../protocol/generated/list-transactions-request';
import { defaultListTransactionsResponse, sizeListTransactionsResponse, writeListTransactionsResponse, type ListTransactionsResponse } from '../../protocol/generated/list-transactions-response';
import { requireTxnCoordinator } from '../txn/txn-handler-support';
import { defineHandler } from './define-handler';

export const listTransactionsHandler = defineHandler<ListTransactionsRequest, ListTransactionsResponse>({
  apiKey: ApiKey.ListTransactions,
  minVersion: 0,
  maxVersion: 1,
  read: readListTransactionsRequest,
  write: writeListTransactionsResponse,
  size: sizeListTransactionsResponse,
  handle(ctx, req) {
    const tc = requireTxnCoordinator(ctx.services);
    const r = tc.handleListTransactions({ stateFilters: req.stateFilters, producerIdFilters: req.producerIdFilters, durationFilterMs: ctx.apiVersion >= 1 ? Number(req.durationFilter) : -1 });
    return { ...defaultListTransactionsResponse(), errorCode: r.errorCode, unknownStateFilters: r.unknownStateFilters, transactionStates: r.transactionStates };
  },
  errorResponse(_req, code) {
    return { ...defaultListTransactionsResponse(), errorCode: code };
  },
});
