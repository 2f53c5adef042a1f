/**
 * ControllerRuntime: what every part of one controllership shares: the context, the store
 * (through fenced, activation-checked writes), the channel, the request batch, the config and
 * the logger.
 *
 * Invariants:
 * - Created when the broker wins an election, dropped at resignation; `isCurrent()` is false
 *   from the moment the controllership ends. A write that returns after that throws
 *   ControllerMovedError, so the event that issued it stops before writing anything else, and
 *   `flush()` sends nothing. (Events of an ended controllership do not start: the queue drops
 *   them.)
 * - Every controller write carries this controllership's fence, so a stale one is refused by
 *   the store even if this broker has not noticed yet.
 */
import {
  ClusterMetadataStore,
  ControllerFence,
  ControllerMovedError,
  PartitionStateUpdate,
  PartitionStateWriteResult,
  TopicMetadata,
} from '../metadata-store';
import type { ControllerChannel } from './controller-channel';
import type { ControllerConfig, ControllerLogger } from './controller-config';
import type { ControllerContext } from './controller-context';
import { DeletionResult, RequestBatch } from './request-batch';

export interface RuntimeDeps {
  readonly brokerId: number;
  readonly ctx: ControllerContext;
  readonly store: ClusterMetadataStore;
  readonly channel: ControllerChannel;
  readonly logger: ControllerLogger;
  readonly config: ControllerConfig;
  isCurrent(): boolean;
  /** Queues work for later on the controller's event queue, bound to this controllership. */
  post(name: string, run: () => Promise<void>): void;
}

export class ControllerRuntime {
  readonly batch: RequestBatch;
  /** Set by the deletion manager: StopReplica(delete) outcomes, delivered as queued events. */
  deletionListener: ((brokerId: number, results: DeletionResult[]) => Promise<void>) | undefined;

  constructor(private readonly deps: RuntimeDeps) {
    this.batch = new RequestBatch({
      ctx: deps.ctx,
      channel: deps.channel,
      controllerId: deps.brokerId,
      logger: deps.logger,
      isCurrent: () => deps.isCurrent(),
      onDeletionResult: (brokerId, results) => {
        const l = this.deletionListener;
        if (l) deps.post('stop-replica-response', () => l(brokerId, results));
      },
    });
  }

  get brokerId(): number {
    return this.deps.brokerId;
  }
  get ctx(): ControllerContext {
    return this.deps.ctx;
  }
  get store(): ClusterMetadataStore {
    return this.deps.store;
  }
  get logger(): ControllerLogger {
    return this.deps.logger;
  }
  get config(): ControllerConfig {
    return this.deps.config;
  }
  get fence(): ControllerFence {
    return this.deps.ctx.fence;
  }
  get epoch(): number {
    return this.deps.ctx.epoch;
  }

  isCurrent(): boolean {
    return this.deps.isCurrent();
  }

  assertCurrent(): void {
    if (!this.deps.isCurrent()) throw new ControllerMovedError('this controllership has ended');
  }

  post(name: string, run: () => Promise<void>): void {
    this.deps.post(name, run);
  }

  /** Sends what the batch collected so far (the end of each event does it too). */
  flush(): void {
    this.batch.send();
  }

  async writeStates(updates: readonly PartitionStateUpdate[]): Promise<PartitionStateWriteResult[]> {
    if (updates.length === 0) return [];
    return this.fenced(() => this.store.writePartitionStates(this.fence, updates));
  }

  async deleteTopic(name: string): Promise<void> {
    await this.fenced(() => this.store.deleteTopic(this.fence, name));
  }

  /** Writes the topic's assignment (with adding/removing sets) as the context holds it. */
  async writeAssignment(topic: string): Promise<TopicMetadata> {
    const t = this.ctx.topic(topic);
    if (!t) throw new Error(`topic ${topic} is not in the controller context`);
    const assignment = new Map<number, readonly number[]>();
    const adding = new Map<number, readonly number[]>();
    const removing = new Map<number, readonly number[]>();
    for (const [p, e] of t.partitions) {
      assignment.set(p, [...e.replicas.replicas]);
      if (e.replicas.adding.length > 0) adding.set(p, [...e.replicas.adding]);
      if (e.replicas.removing.length > 0) removing.set(p, [...e.replicas.removing]);
    }
    return this.fenced(() => this.store.setAssignment(this.fence, topic, assignment, adding, removing));
  }

  private async fenced<T>(write: () => Promise<T>): Promise<T> {
    const r = await write();
    this.assertCurrent();
    return r;
  }
}
