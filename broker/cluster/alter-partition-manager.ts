/**
 * Sends partition leaders' ISR changes to the controller (Kafka's AlterPartitionManager,
 * KIP-497) and applies the answers to the partitions.
 *
 * Invariants:
 * - At most one change per partition is outstanding (Partition keeps its ISR pending until
 *   answered), and one AlterPartition request is in flight at a time, carrying every change
 *   queued since the previous one.
 * - A request that got no usable answer (no controller known, connection failure, timeout,
 *   NOT_CONTROLLER) is sent again after `retryBackoffMs` with the changes still current. When
 *   the controller moves while a request is in flight, its answer is no longer awaited: the
 *   changes go to the new controller at once (an old controller that is paused would otherwise
 *   hold them for the whole request timeout).
 * - Per partition: NONE applies the controller's ISR and partition epoch; any error abandons
 *   the change, and the partition proposes none for `retryBackoffMs` (it keeps its committed
 *   ISR; a newer LeaderAndIsr resets it).
 */
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import type { AlterPartitionRequest } from '../../protocol/generated/alter-partition-request';
import type { AlterPartitionResponse } from '../../protocol/generated/alter-partition-response';
import type { Clock } from '../../storage/clock';
import type { Logger } from '../logger';
import type { Partition } from '../replica/partition';
import type { ControllerClient } from './controller-client';

/** AlterPartition v2: topic ids, a plain ISR list (v3's broker epochs per member are not tracked). */
const ALTER_PARTITION_VERSION = 2;

interface PendingChange {
  partition: Partition;
  newIsr: readonly number[];
  leaderEpoch: number;
  partitionEpoch: number;
}

export class AlterPartitionManager {
  private queued = new Map<string, PendingChange>();
  private inFlight = false;
  /** Bumped when an in-flight request is given up; a late answer of an older one is ignored. */
  private generation = 0;
  private inFlightBatch: readonly PendingChange[] = [];
  private inFlightController = -1;
  private timer: unknown;
  private closed = false;

  constructor(
    private readonly client: ControllerClient,
    private readonly brokerId: number,
    private readonly brokerEpoch: () => bigint,
    private readonly clock: Clock,
    private readonly retryBackoffMs: number,
    private readonly log: Logger,
  ) {}

  submit(partition: Partition, newIsr: readonly number[]): void {
    this.queued.set(partition.key, { partition, newIsr, leaderEpoch: partition.leaderEpoch, partitionEpoch: partition.partitionEpoch });
    this.log.info({ tp: partition.key, isr: partition.isr, newIsr, leaderEpoch: partition.leaderEpoch }, `${partition.key}: asking the controller to change the ISR from [${partition.isr.join(',')}] to [${newIsr.join(',')}]`);
    this.maybeSend();
  }

  private maybeSend(): void {
    if (this.inFlight || this.closed || this.timer !== undefined || this.queued.size === 0) return;
    // Changes made moot by a newer LeaderAndIsr are dropped here.
    const batch = [...this.queued.values()].filter((c) => c.partition.isLeader && !c.partition.isClosed && c.partition.leaderEpoch === c.leaderEpoch);
    this.queued = new Map();
    if (batch.length === 0) return;
    this.inFlight = true;
    this.inFlightBatch = batch;
    this.inFlightController = this.client.controllerId;
    const generation = ++this.generation;
    const req = this.request(batch);
    this.client.send<AlterPartitionResponse>(ApiKey.AlterPartition, ALTER_PARTITION_VERSION, req).then(
      (resp) => {
        if (generation !== this.generation) return;
        this.inFlight = false;
        if (resp.errorCode !== ErrorCode.NONE) return this.retryLater(batch, `controller answered ${ErrorCode[resp.errorCode] ?? resp.errorCode}`);
        this.apply(batch, resp);
        this.maybeSend();
      },
      (err: Error) => {
        if (generation !== this.generation) return;
        this.inFlight = false;
        this.retryLater(batch, err.message);
      },
    );
  }

  /** Called when this broker's metadata names a controller: an in-flight request to another one is given up and resent. */
  controllerChanged(controllerId: number): void {
    if (!this.inFlight || controllerId === this.inFlightController || controllerId < 0) return;
    this.generation++;
    this.inFlight = false;
    for (const c of this.inFlightBatch) if (!this.queued.has(c.partition.key)) this.queued.set(c.partition.key, c);
    this.log.info({ from: this.inFlightController, to: controllerId, partitions: this.inFlightBatch.length }, 'controller moved while an AlterPartition was in flight; sending it to the new controller');
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer as never);
    this.timer = undefined;
    this.maybeSend();
  }

  private request(batch: readonly PendingChange[]): AlterPartitionRequest {
    const byTopic = new Map<string, AlterPartitionRequest['topics'][number]>();
    for (const c of batch) {
      let t = byTopic.get(c.partition.topicId);
      if (!t) byTopic.set(c.partition.topicId, (t = { topicName: c.partition.topic, topicId: c.partition.topicId, partitions: [] }));
      t.partitions.push({ partitionIndex: c.partition.partition, leaderEpoch: c.leaderEpoch, newIsr: [...c.newIsr], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: c.partitionEpoch });
    }
    return { brokerId: this.brokerId, brokerEpoch: this.brokerEpoch(), topics: [...byTopic.values()] };
  }

  private apply(batch: readonly PendingChange[], resp: AlterPartitionResponse): void {
    const answers = new Map<string, AlterPartitionResponse['topics'][number]['partitions'][number]>();
    for (const t of resp.topics) for (const p of t.partitions) answers.set(`${t.topicId}/${p.partitionIndex}`, p);
    for (const c of batch) {
      const a = answers.get(`${c.partition.topicId}/${c.partition.partition}`);
      if (!a) {
        c.partition.isrChangeAbandoned();
        continue;
      }
      if (a.errorCode === ErrorCode.NONE) {
        c.partition.isrChangeAccepted(a.isr, a.partitionEpoch, a.leaderEpoch);
        this.log.info({ tp: c.partition.key, isr: a.isr, partitionEpoch: a.partitionEpoch }, `${c.partition.key}: ISR is now [${a.isr.join(',')}]`);
      } else {
        c.partition.isrChangeAbandoned(this.clock.now() + this.retryBackoffMs);
        this.log.warn({ tp: c.partition.key, error: ErrorCode[a.errorCode] ?? a.errorCode }, `${c.partition.key}: the controller refused the ISR change`);
      }
    }
  }

  private retryLater(batch: readonly PendingChange[], why: string): void {
    if (this.closed) return;
    for (const c of batch) if (!this.queued.has(c.partition.key)) this.queued.set(c.partition.key, c);
    this.log.warn({ partitions: batch.length, why }, `AlterPartition not answered (${why}); retrying in ${this.retryBackoffMs} ms`);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.maybeSend();
    }, this.retryBackoffMs);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer as never);
    this.timer = undefined;
  }
}
