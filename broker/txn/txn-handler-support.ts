/**
 * What the transaction handlers (22, 24, 25, 26, 65, 66) share: the coordinator from the
 * broker's services, and the per-version error mapping Kafka's KafkaApis applies.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import type { TransactionCoordinator } from '../../coordinator/txn/transaction-coordinator';
import type { BrokerServices } from '../handlers/define-handler';

/** The broker's transaction coordinator; COORDINATOR_NOT_AVAILABLE before it is wired. */
export function requireTxnCoordinator(services: BrokerServices): TransactionCoordinator {
  const tc = services.txnCoordinator;
  if (!tc) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'no transaction coordinator is running on this broker');
  return tc;
}

/**
 * PRODUCER_FENCED (KIP-588) is unknown to clients below `firstVersionWithFenced`: they get
 * INVALID_PRODUCER_EPOCH, which they handle the same way.
 */
export function fencedForVersion(code: ErrorCode, version: number, firstVersionWithFenced: number): ErrorCode {
  return code === ErrorCode.PRODUCER_FENCED && version < firstVersionWithFenced ? ErrorCode.INVALID_PRODUCER_EPOCH : code;
}
