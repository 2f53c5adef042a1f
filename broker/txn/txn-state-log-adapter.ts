/**
 * The transaction coordinator's TxnStateLog on top of the replica manager: __transaction_state
 * partitions are ordinary local partitions; appends go through the leader path with acks=-1 and
 * the topic's min.insync.replicas (resolve when the HW covers the batch, or fail with the
 * partition's error: NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT after the
 * coordinator's timeout in ms); loading reads to the log end (TxnStateLog.endOffset), as the
 * group coordinator's adapter does for __consumer_offsets.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import type { TxnStateLog } from '../../coordinator/txn/txn-state-log';
import type { ReplicaManager } from '../replica/replica-manager';
import { TRANSACTION_STATE_TOPIC } from '../metadata/topic-admin';

export class ReplicaTxnStateLog implements TxnStateLog {
  constructor(
    private readonly replicas: Pick<ReplicaManager, 'appendRecords' | 'leaderPartition'>,
    /** The topic's min.insync.replicas (transaction.state.log.min.isr when it was created). */
    private readonly minIsr: () => number = () => 1,
  ) {}

  async append(partition: number, batch: Buffer, timeoutMs: number): Promise<void> {
    const [r] = await this.replicas.appendRecords([{ topic: TRANSACTION_STATE_TOPIC, partition, records: batch }], -1, timeoutMs, () => this.minIsr());
    if (!r || r.errorCode !== ErrorCode.NONE) throw new KafkaError(r?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, r?.errorMessage ?? undefined);
  }

  async read(partition: number, fromOffset: bigint, maxBytes: number): Promise<Buffer> {
    const p = this.replicas.leaderPartition(TRANSACTION_STATE_TOPIC, partition);
    if (fromOffset >= p.logEndOffset) return Buffer.alloc(0);
    return (await p.log.read(fromOffset, maxBytes, { maxOffset: p.logEndOffset, minOneBatch: true })).records;
  }

  async startOffset(partition: number): Promise<bigint> {
    return this.replicas.leaderPartition(TRANSACTION_STATE_TOPIC, partition).logStartOffset;
  }

  /** The log end offset (see TxnStateLog.endOffset). */
  async endOffset(partition: number): Promise<bigint> {
    return this.replicas.leaderPartition(TRANSACTION_STATE_TOPIC, partition).logEndOffset;
  }
}
