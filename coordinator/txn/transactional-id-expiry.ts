/**
 * Removal of idle transactional ids (Kafka's removeExpiredTransactionalIds): an id in Empty,
 * CompleteCommit or CompleteAbort, with no transition pending, not updated for
 * transactional.id.expiration.ms, gets a tombstone in __transaction_state and leaves the cache
 * once the tombstone is durable. While the tombstone is written the id is pending Dead, so its
 * requests answer CONCURRENT_TRANSACTIONS; a failed write puts it back as it was.
 */
import { TransactionState, isExpirationAllowed } from './transaction-state';
import type { TransactionMetadata, TxnTransitMetadata } from './transaction-metadata';
import { encodeTransactionLogKey, TRANSACTION_STATE_TOPIC_NAME } from './transaction-log';
import type { TransactionStateManager } from './transaction-state-manager';
import { appendTxnRecords } from './txn-state-log';

/** Tombstones per batch are capped by their key bytes, well below max.message.bytes (1 MiB). */
export const MAX_TOMBSTONE_BATCH_BYTES = 512 * 1024;

interface Expiring {
  transactionalId: string;
  metadata: TransactionMetadata;
  transit: TxnTransitMetadata;
  key: Buffer;
}

/** Writes tombstones for every expired id of every loaded partition; resolves when all settled. */
export async function removeExpiredTransactionalIds(manager: TransactionStateManager): Promise<void> {
  const now = manager.clock.now();
  const horizon = now - manager.config.transactionalIdExpirationMs;
  const writes: Promise<void>[] = [];
  for (const owned of manager.ownedPartitions()) {
    let batch: Expiring[] = [];
    let bytes = 0;
    for (const [transactionalId, md] of owned.transactions) {
      if (md.pendingState !== null || !isExpirationAllowed(md.state) || md.txnLastUpdateTimestamp > horizon) continue;
      const key = encodeTransactionLogKey(transactionalId);
      if (batch.length > 0 && bytes + key.length > MAX_TOMBSTONE_BATCH_BYTES) {
        writes.push(writeTombstones(manager, owned.partition, owned.coordinatorEpoch, batch, now));
        batch = [];
        bytes = 0;
      }
      batch.push({ transactionalId, metadata: md, transit: md.prepareDead(), key });
      bytes += key.length;
    }
    if (batch.length > 0) writes.push(writeTombstones(manager, owned.partition, owned.coordinatorEpoch, batch, now));
  }
  await Promise.all(writes);
}

async function writeTombstones(manager: TransactionStateManager, partition: number, coordinatorEpoch: number, expiring: Expiring[], nowMs: number): Promise<void> {
  let error: string | null = null;
  try {
    await appendTxnRecords(manager.log, partition, expiring.map((e) => ({ key: e.key, value: null })), nowMs, manager.config.requestTimeoutMs);
  } catch (e) {
    error = (e as Error).message;
  }
  let removed = 0;
  for (const e of expiring) {
    const md = e.metadata;
    const stillExpiring = md.pendingState === TransactionState.Dead && md.producerEpoch === e.transit.producerEpoch;
    if (error === null && stillExpiring && manager.removeTransactionalId(e.transactionalId, coordinatorEpoch, md)) {
      removed++;
      continue;
    }
    manager.logger.warn(`Failed to remove expired transactional id ${e.transactionalId} from ${TRANSACTION_STATE_TOPIC_NAME}-${partition}${error ? `: ${error}` : ' (its partition moved meanwhile)'}`);
    if (md.pendingState === TransactionState.Dead) md.pendingState = null;
  }
  if (removed > 0) manager.logger.info(`Removed ${removed} expired transactional ids from ${TRANSACTION_STATE_TOPIC_NAME}-${partition}`);
}
