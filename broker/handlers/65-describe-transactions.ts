/**
 * DescribeTransactions: v0
 *
 * Behavior:
 * * One entry per requested transactional id, in request order, from this broker's coordinator:
 *   state name (Kafka's: Empty, Ongoing, PrepareCommit, ...), timeout, start time, producer id
 *   and epoch, partitions by topic; NOT_COORDINATOR for ids of partitions not led here,
 *   COORDINATOR_LOAD_IN_PROGRESS while loading, TRANSACTIONAL_ID_NOT_FOUND for unknown ids.
 * * No authorizer: every id and topic is described.
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { readDescribeTransactionsRequest, type DescribeTransactionsRequest } from '../../protocol/generated/describe-transactions-request';
import {
  defaultDescribeTransactionsResponse,
  defaultTransactionState,
  sizeDescribeTransactionsResponse,
  writeDescribeTransactionsResponse,
  type DescribeTransactionsResponse,
} from '../../protocol/generated/describe-transactions-response';
import { requireTxnCoordinator } from '../txn/txn-handler-support';
import { defineHandler } from './define-handler';

export const describeTransactionsHandler = defineHandler<DescribeTransactionsRequest, DescribeTransactionsResponse>({
  apiKey: ApiKey.DescribeTransactions,
  minVersion: 0,
  maxVersion: 0,
  read: readDescribeTransactionsRequest,
  write: writeDescribeTransactionsResponse,
  size: sizeDescribeTransactionsResponse,
  handle(ctx, req) {
    const tc = requireTxnCoordinator(ctx.services);
    return { ...defaultDescribeTransactionsResponse(), transactionStates: req.transactionalIds.map((id) => tc.handleDescribeTransactions(id)) };
  },
  errorResponse(req, code) {
    return { ...defaultDescribeTransactionsResponse(), transactionStates: req.transactionalIds.map((transactionalId) => ({ ...defaultTransactionState(), transactionalId, errorCode: code })) };
  },
});
