/**
 * The group coordinator's CoordinatorLog on top of the replica manager: __consumer_offsets
 * partitions are ordinary local partitions; appends go through the leader path with acks=-1
 * (resolve when the HW covers the batch); loading reads to the log end (CoordinatorLog.endOffset).
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import type { CoordinatorLog } from '../../coordinator/group/coordinator-log';
import type { ReplicaManager } from '../replica/replica-manager';
import { OFFSETS_TOPIC } from '../metadata/topic-admin';

export class ReplicaCoordinatorLog implements CoordinatorLog {
  constructor(
    private readonly replicas: ReplicaManager,
    /** offsets.commit.timeout.ms */
    private readonly commitTimeoutMs: number,
    private readonly minIsr: () => number = () => 1,
  ) {}

  /** Resolves with the batch's base offset (transactional commits are ordered by it). */
  async append(partition: number, batch: Buffer): Promise<bigint> {
    const [r] = await this.replicas.appendRecords([{ topic: OFFSETS_TOPIC, partition, records: batch }], -1, this.commitTimeoutMs, () => this.minIsr());
    if (!r || r.errorCode !== ErrorCode.NONE) throw new KafkaError(r?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, r?.errorMessage ?? undefined);
    return r.baseOffset;
  }

  async read(partition: number, fromOffset: bigint, maxBytes: number): Promise<Buffer> {
    const p = this.replicas.leaderPartition(OFFSETS_TOPIC, partition);
    if (fromOffset >= p.logEndOffset) return Buffer.alloc(0);
    return (await p.log.read(fromOffset, maxBytes, { maxOffset: p.logEndOffset, minOneBatch: true })).records;
  }

  async startOffset(partition: number): Promise<bigint> {
    return this.replicas.leaderPartition(OFFSETS_TOPIC, partition).logStartOffset;
  }

  /** The log end offset (see CoordinatorLog.endOffset). */
  async endOffset(partition: number): Promise<bigint> {
    return this.replicas.leaderPartition(OFFSETS_TOPIC, partition).logEndOffset;
  }
}
