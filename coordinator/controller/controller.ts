/**
 * Controller: the broker that decides for the cluster (Kafka's ZooKeeper-mode KafkaController).
 * It is elected through the metadata store, keeps a ControllerContext loaded from it, writes
 * partition states with the election's fence, and tells brokers what to do through the
 * ControllerChannel. The same code runs on the single-node default (embedded store, requests to
 * itself in process) and in a ZooKeeper cluster.
 *
 * Invariants:
 * - All work is an event on one serialized queue: store events, API calls, timers and broker
 *   answers. Each event's requests are sent when it ends (LeaderAndIsr, UpdateMetadata,
 *   StopReplica).
 * - Resignation is immediate, outside the queue: on `controller-changed` naming another broker
 *   (or none), on session expiry, and on a ControllerMovedError from a fenced write. It drops the
 *   activation (context, timers, queued work) and closes the channel; from then the old
 *   activation issues no write and sends nothing (a write already in flight may still land; the
 *   store refuses it if another controller was elected meanwhile).
 * - `controller-changed` to -1 and a (re)connected session start an election attempt.
 * - Every API method on an inactive controller answers NOT_CONTROLLER (per entry, or at the top).
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import type { AlterPartitionRequest } from '../../protocol/generated/alter-partition-request';
import type { AlterPartitionResponse } from '../../protocol/generated/alter-partition-response';
import type { Clock, Timer } from '../../storage/clock';
import { ClusterMetadataStore, ControllerFence, ControllerMovedError, MetadataEvent } from '../metadata-store';
import { Activation } from './activation';
import { alterPartitionError } from './alter-partition';
import type { ControllerChannel } from './controller-channel';
import type { ControllerConfig, ControllerLogger } from './controller-config';
import { ControllerEventQueue } from './event-queue';
import type { OngoingReassignment, PartitionResult } from './reassignment';

export type { ControllerConfig, ControllerLogger } from './controller-config';

export interface ControllerOptions {
  brokerId: number;
  store: ClusterMetadataStore;
  channel: ControllerChannel;
  clock: Clock;
  logger: ControllerLogger;
  config: ControllerConfig;
}

/** Kafka schedules the first rebalance check 5 s after becoming controller. */
const FIRST_REBALANCE_DELAY_MS = 5000;
/** After a failover that failed for another reason than a moved controller, this broker waits this long before trying again. */
export const FAILED_FAILOVER_RETRY_MS = 1000;

export class Controller {
  onControllerActivated?: () => void;
  onControllerResigned?: () => void;

  private active: Activation | null = null;
  private activations = 0;
  private stopped = false;
  /** No election attempt before this time (ms): set after a failed failover. */
  private electNotBefore = 0;
  private retryTimer: Timer | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly queue: ControllerEventQueue;

  constructor(private readonly opts: ControllerOptions) {
    this.queue = new ControllerEventQueue(
      (activation) => this.active?.id === activation,
      (event, e) => this.onEventError(event.name, e),
    );
  }

  get isActive(): boolean {
    return this.active !== null;
  }

  /** The controller epoch of this controllership; -1 when inactive. */
  get epoch(): number {
    return this.active?.ctx.epoch ?? -1;
  }

  async startup(): Promise<void> {
    this.unsubscribe = this.opts.store.onChange((e) => this.onStoreEvent(e));
    this.postElection();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.retryTimer !== undefined) this.opts.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const wasActive = this.isActive;
    this.resign('shutdown');
    await this.queue.idle();
    if (wasActive) await this.opts.store.resignController(this.opts.brokerId).catch((e: unknown) => this.opts.logger.warn({ err: String(e) }, 'Deleting /controller failed'));
  }

  alterPartition(req: AlterPartitionRequest, version: number): Promise<AlterPartitionResponse> {
    return this.call('alter-partition', () => alterPartitionError(ErrorCode.NOT_CONTROLLER), (a) => a.alterPartition.handle(req, version));
  }

  controlledShutdown(
    brokerId: number,
    brokerEpoch: bigint,
  ): Promise<{ errorCode: ErrorCode; remainingPartitions: { topicName: string; partitionIndex: number }[] }> {
    return this.call(
      'controlled-shutdown',
      () => ({ errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] }),
      (a) => a.controlledShutdown.handle(brokerId, brokerEpoch),
    );
  }

  electLeaders(
    electionType: 0 | 1,
    partitions: { topic: string; partitions: number[] }[] | null,
  ): Promise<{ topic: string; partition: number; errorCode: ErrorCode; errorMessage: string | null }[]> {
    const notController = (): PartitionResult[] =>
      (partitions ?? []).flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null })));
    return this.call('elect-leaders', notController, (a) => a.elections.electLeaders(electionType, partitions));
  }

  alterPartitionReassignments(
    reqs: { topic: string; partition: number; replicas: number[] | null }[],
  ): Promise<{ topic: string; partition: number; errorCode: ErrorCode; errorMessage: string | null }[]> {
    const notController = (): PartitionResult[] =>
      reqs.map((r) => ({ topic: r.topic, partition: r.partition, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null }));
    return this.call('alter-partition-reassignments', notController, (a) => a.reassignment.alter(reqs));
  }

  /**
   * Read directly from the context (not queued): it reflects the events completed so far.
   * Throws KafkaError(NOT_CONTROLLER) when inactive.
   */
  listPartitionReassignments(partitions: { topic: string; partitions: number[] }[] | null): OngoingReassignment[] {
    const a = this.active;
    if (!a) throw new KafkaError(ErrorCode.NOT_CONTROLLER);
    return a.reassignment.list(partitions);
  }

  // ---- election and resignation ----------------------------------------------------------

  private onStoreEvent(e: MetadataEvent): void {
    switch (e.type) {
      case 'controller-changed':
        if (e.controllerId !== this.opts.brokerId && this.active) this.resign(`controller is now ${e.controllerId}`);
        if (e.controllerId === -1) this.postElection();
        return;
      case 'session':
        if (e.state === 'expired') this.resign('session expired');
        else if (e.state === 'connected') this.postElection();
        return;
      case 'broker-changed':
        return this.postBound('broker-change', (a) => a.membership.reconcile());
      case 'topic-created':
      case 'partitions-added':
      case 'topic-deleted':
      case 'assignment-changed':
        return this.postBound('topic-change', (a) => a.topics.reconcile());
      case 'topic-config-changed': {
        const topic = e.topic.name;
        return this.postBound('topic-config-change', async (a) => {
          await a.topics.reconcile();
          await a.psm.triggerOnlinePartitionStateChange(topic);
        });
      }
      case 'broker-config-changed':
        return this.postBound('broker-config-change', (a) => a.psm.triggerOnlinePartitionStateChange());
      case 'topic-deletion-requested':
        return this.postBound('topic-deletion', (a) => a.deletion.enqueueMarked());
    }
  }

  private postElection(): void {
    this.queue.put({ name: 'elect', run: () => this.elect() });
  }

  private async elect(): Promise<void> {
    const { store, brokerId, logger, clock } = this.opts;
    if (this.active || clock.now() < this.electNotBefore) return;
    // /controller naming this broker while it is not acting is stale: clear it first.
    if (store.controllerId() === brokerId) await store.resignController(brokerId);
    const fence = await store.tryElectController(brokerId);
    if (!fence) return;
    if (this.stopped) {
      await store.resignController(brokerId);
      return;
    }
    logger.info({ brokerId, epoch: fence.controllerEpoch }, `Broker ${brokerId} elected as controller with epoch ${fence.controllerEpoch}`);
    await this.activate(fence);
  }

  private async activate(fence: ControllerFence): Promise<void> {
    const { store, channel, logger, config, brokerId, clock } = this.opts;
    const id = ++this.activations;
    const a: Activation = new Activation({
      id,
      brokerId,
      fence,
      store,
      channel,
      logger,
      config,
      isCurrent: () => this.active === a,
      post: (name, run) => this.postBoundFor(a, name, run),
    });
    this.active = a;
    try {
      await a.failover();
    } catch (e) {
      if (e instanceof ControllerMovedError) {
        this.resign('controller moved during failover');
        return;
      }
      // Kafka's triggerControllerMove: let another broker take over; this one waits before trying again.
      logger.error({ err: String(e) }, `Controller failover failed; resigning: ${e instanceof Error ? e.message : String(e)}`);
      this.resign('failover failed');
      this.electNotBefore = clock.now() + FAILED_FAILOVER_RETRY_MS;
      this.retryTimer = clock.setTimeout(() => {
        this.retryTimer = undefined;
        this.postElection();
      }, FAILED_FAILOVER_RETRY_MS);
      await store.resignController(brokerId);
      return;
    }
    if (this.active !== a) return;
    logger.info({ epoch: fence.controllerEpoch }, `Ready to serve as the controller with epoch ${fence.controllerEpoch}`);
    this.scheduleRebalance(a, Math.min(FIRST_REBALANCE_DELAY_MS, config.leaderImbalanceCheckIntervalMs));
    this.onControllerActivated?.();
  }

  /** Stops acting at once: drops the activation, its timers and queued work, and the channel. */
  private resign(reason: string): void {
    const a = this.active;
    if (!a) return;
    this.active = null;
    if (a.rebalanceTimer !== undefined) this.opts.clock.clearTimeout(a.rebalanceTimer);
    a.rebalanceTimer = undefined;
    this.opts.channel.close();
    this.opts.logger.info({ epoch: a.ctx.epoch, reason }, `Resigned as controller (epoch ${a.ctx.epoch}): ${reason}`);
    this.onControllerResigned?.();
  }

  private onEventError(name: string, e: unknown): void {
    if (e instanceof ControllerMovedError) this.resign(`controller moved (fenced write in ${name})`);
    else this.opts.logger.error({ event: name, err: String(e) }, `Controller event ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
  }

  // ---- events ----------------------------------------------------------------------------

  private postBound(name: string, run: (a: Activation) => Promise<void>): void {
    const a = this.active;
    if (a) this.postBoundFor(a, name, () => run(a));
  }

  /** An event of one controllership (dropped if that has ended when it would run); its batch is sent at the end. */
  private postBoundFor(a: Activation, name: string, run: () => Promise<void>): void {
    this.queue.put({
      name,
      activation: a.id,
      run: async () => {
        try {
          await run();
        } finally {
          a.rt.flush();
        }
      },
    });
  }

  /** An API call: NOT_CONTROLLER (`inactive`) unless this broker is the controller when it runs. */
  private call<T>(name: string, inactive: () => T, run: (a: Activation) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.put({
        name,
        run: async () => {
          const a = this.active;
          if (!a) return resolve(inactive());
          try {
            resolve(await run(a));
          } catch (e) {
            if (!(e instanceof ControllerMovedError)) return reject(e);
            this.resign(`controller moved (fenced write in ${name})`);
            resolve(inactive());
          } finally {
            a.rt.flush();
          }
        },
      });
    });
  }

  private scheduleRebalance(a: Activation, delayMs: number): void {
    const { config, clock } = this.opts;
    if (!config.autoLeaderRebalanceEnable || this.active !== a) return;
    a.rebalanceTimer = clock.setTimeout(() => {
      a.rebalanceTimer = undefined;
      this.postBoundFor(a, 'auto-leader-rebalance', async () => {
        try {
          await a.elections.rebalance();
        } finally {
          this.scheduleRebalance(a, config.leaderImbalanceCheckIntervalMs);
        }
      });
    }, delayMs);
  }
}
