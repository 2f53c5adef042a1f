/**
 * Ending a transaction (Kafka 3.9's TransactionCoordinator.endTransaction), for EndTxn from a
 * client and for the coordinator's own aborts (fencing an Ongoing transaction on InitProducerId,
 * and timeouts).
 *
 * 1. Checks (synchronously, so a fence prepared by the caller is still pending): producer id,
 *    epoch (a client must match it exactly; the coordinator's own abort carries the raised epoch),
 *    no other transition pending, and the state: Ongoing moves on; a retry of a completed end with
 *    the same result answers NONE, of one still being completed CONCURRENT_TRANSACTIONS; any
 *    other combination is INVALID_TXN_STATE.
 * 2. Writes PrepareCommit / PrepareAbort. A fence's abort takes the raised epoch into the
 *    metadata first; if its write fails the epoch stays raised in memory (and hasFailedEpochFence
 *    keeps the next fence from raising it again).
 * 3. Once it is durable and applied, prepares CompleteCommit / CompleteAbort, answers NONE and
 *    hands the transaction to the marker channel, which writes the markers and then Complete*.
 */
import type { Clock } from '../../storage/clock';
import { ErrorCode } from '../../protocol/errors';
import { IllegalTxnStateError, NO_PRODUCER_EPOCH, TxnTransitMetadata } from './transaction-metadata';
import { TransactionResult, TransactionState, transactionStateName } from './transaction-state';
import type { TransactionStateManager } from './transaction-state-manager';
import type { TxnLogger } from './txn-config';
import type { TxnMarkerChannel } from './txn-marker-channel';

export interface EndTransactionContext {
  readonly states: TransactionStateManager;
  readonly markers: TxnMarkerChannel;
  readonly clock: Clock;
  readonly logger: TxnLogger;
}

export interface EndTransactionArgs {
  transactionalId: string | null;
  producerId: bigint;
  producerEpoch: number;
  result: TransactionResult;
  /** false for the coordinator's own aborts (fence, timeout): their epoch may be above the current one. */
  isFromClient: boolean;
}

/** Resolves to the error to answer (NONE once the Prepare* state is durable); never rejects but for a broken invariant. */
export async function endTransaction(ctx: EndTransactionContext, args: EndTransactionArgs): Promise<ErrorCode> {
  const { transactionalId, result } = args;
  if (!transactionalId) return ErrorCode.INVALID_REQUEST;
  const prepared = prepareEnd(ctx, transactionalId, args);
  if (typeof prepared === 'number') return prepared;
  const { coordinatorEpoch, transit, isEpochFence } = prepared;

  // Once Prepare* is applied, the metadata is exactly what was written (same producer, epoch,
  // coordinator epoch, nothing pending): prepare the Complete* state and start the markers.
  const appended = await ctx.states.appendTransactionToLog(transactionalId, coordinatorEpoch, transit, {
    onApplied: (md) => ctx.markers.addTxnMarkersToSend(coordinatorEpoch, result, md, md.prepareComplete(ctx.clock.now())),
  });
  if (appended !== ErrorCode.NONE) {
    ctx.logger.info(`Not sending the ${result} markers of ${transactionalId}: writing ${transactionStateName(transit.txnState)} at coordinator epoch ${coordinatorEpoch} failed with ${ErrorCode[appended]}`);
    if (isEpochFence) {
      const lookup = ctx.states.getTransactionState(transactionalId);
      if (lookup.owned && lookup.metadata && lookup.coordinatorEpoch === coordinatorEpoch) {
        lookup.metadata.hasFailedEpochFence = true;
        ctx.logger.warn(`Fencing ${transactionalId} raised its epoch to ${transit.producerEpoch} in memory but could not write it (${ErrorCode[appended]})`);
      }
    }
  }
  return appended;
}

function invalidState(ctx: EndTransactionContext, transactionalId: string, state: TransactionState, result: TransactionResult): ErrorCode {
  ctx.logger.debug(`${transactionalId} is in state ${transactionStateName(state)} and cannot take a ${result}`);
  return ErrorCode.INVALID_TXN_STATE;
}

interface PreparedEnd {
  coordinatorEpoch: number;
  transit: TxnTransitMetadata;
  isEpochFence: boolean;
}

function prepareEnd(ctx: EndTransactionContext, transactionalId: string, args: EndTransactionArgs): PreparedEnd | ErrorCode {
  const { producerId, producerEpoch, result, isFromClient } = args;
  const lookup = ctx.states.getTransactionState(transactionalId);
  if (!lookup.owned) return lookup.error;
  const md = lookup.metadata;
  if (!md || md.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
  // a client must not move the epoch; the coordinator's own abort may carry a raised one
  if ((isFromClient && producerEpoch !== md.producerEpoch) || producerEpoch < md.producerEpoch) return ErrorCode.PRODUCER_FENCED;
  if (md.pendingState !== null && md.pendingState !== TransactionState.PrepareEpochFence) return ErrorCode.CONCURRENT_TRANSACTIONS;
  const commit = result === 'COMMIT';
  switch (md.state) {
    case TransactionState.Ongoing: {
      const next = commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort;
      let isEpochFence = false;
      if (next === TransactionState.PrepareAbort && md.pendingState === TransactionState.PrepareEpochFence) {
        // the fence becomes this abort, written with the raised epoch
        isEpochFence = true;
        md.pendingState = null;
        md.producerEpoch = producerEpoch;
        md.lastProducerEpoch = NO_PRODUCER_EPOCH;
      }
      return { coordinatorEpoch: lookup.coordinatorEpoch, transit: md.prepareAbortOrCommit(next, ctx.clock.now()), isEpochFence };
    }
    case TransactionState.CompleteCommit:
      return commit ? ErrorCode.NONE : invalidState(ctx, transactionalId, md.state, result);
    case TransactionState.CompleteAbort:
      return commit ? invalidState(ctx, transactionalId, md.state, result) : ErrorCode.NONE;
    case TransactionState.PrepareCommit:
      return commit ? ErrorCode.CONCURRENT_TRANSACTIONS : invalidState(ctx, transactionalId, md.state, result);
    case TransactionState.PrepareAbort:
      return commit ? invalidState(ctx, transactionalId, md.state, result) : ErrorCode.CONCURRENT_TRANSACTIONS;
    case TransactionState.Empty:
      return invalidState(ctx, transactionalId, md.state, result);
    case TransactionState.Dead:
    case TransactionState.PrepareEpochFence:
      throw new IllegalTxnStateError(`${transactionalId} is in state ${transactionStateName(md.state)}, which is never entered`);
  }
}
