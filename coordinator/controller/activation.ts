/**
 * Activation: one controllership, from winning an election to resigning: its context, runtime
 * and the parts that act on them, wired once. Dropping the activation drops all of its state.
 */
import type { Timer } from '../../storage/clock';
import type { ClusterMetadataStore, ControllerFence } from '../metadata-store';
import { AlterPartitionHandler } from './alter-partition';
import { BrokerMembership } from './broker-membership';
import type { ControllerChannel } from './controller-channel';
import type { ControllerConfig, ControllerLogger } from './controller-config';
import { ControllerContext } from './controller-context';
import { ControllerRuntime } from './controller-runtime';
import { ControlledShutdownHandler } from './controlled-shutdown';
import { PartitionStateMachine } from './partition-state-machine';
import { LeaderElections } from './preferred-election';
import { ReassignmentManager } from './reassignment';
import { loadContext, TopicChanges } from './topic-changes';
import { TopicDeletionManager } from './topic-deletion';

export interface ActivationDeps {
  readonly id: number;
  readonly brokerId: number;
  readonly fence: ControllerFence;
  readonly store: ClusterMetadataStore;
  readonly channel: ControllerChannel;
  readonly logger: ControllerLogger;
  readonly config: ControllerConfig;
  isCurrent(): boolean;
  post(name: string, run: () => Promise<void>): void;
}

export class Activation {
  readonly id: number;
  readonly ctx: ControllerContext;
  readonly rt: ControllerRuntime;
  readonly psm: PartitionStateMachine;
  readonly topics: TopicChanges;
  readonly deletion: TopicDeletionManager;
  readonly reassignment: ReassignmentManager;
  readonly membership: BrokerMembership;
  readonly alterPartition: AlterPartitionHandler;
  readonly controlledShutdown: ControlledShutdownHandler;
  readonly elections: LeaderElections;
  /** The pending auto-rebalance timer, if any. */
  rebalanceTimer: Timer | undefined;

  constructor(private readonly deps: ActivationDeps) {
    this.id = deps.id;
    this.ctx = new ControllerContext(deps.fence);
    this.rt = new ControllerRuntime({
      brokerId: deps.brokerId,
      ctx: this.ctx,
      store: deps.store,
      channel: deps.channel,
      logger: deps.logger,
      config: deps.config,
      isCurrent: () => deps.isCurrent(),
      post: (name, run) => deps.post(name, run),
    });
    this.psm = new PartitionStateMachine(this.rt);
    this.topics = new TopicChanges(this.rt, this.psm);
    this.deletion = new TopicDeletionManager(this.rt);
    this.reassignment = new ReassignmentManager(this.rt, this.psm, this.deletion);
    this.membership = new BrokerMembership(this.rt, deps.channel, this.psm, this.deletion, this.reassignment);
    this.alterPartition = new AlterPartitionHandler(this.rt, this.reassignment);
    this.controlledShutdown = new ControlledShutdownHandler(this.rt, this.psm);
    this.elections = new LeaderElections(this.rt, this.psm);
  }

  /**
   * Kafka's onControllerFailover: load the context from the store, open the channel to every
   * live broker, tell them the live set (UpdateMetadata) before any LeaderAndIsr, send every
   * partition's state to its replicas, elect leaders for new and offline partitions, drop dead
   * replicas from ISRs, then resume reassignments and deletions.
   */
  async failover(): Promise<void> {
    const { ctx, rt, deps } = this;
    await loadContext(deps.store, ctx);
    rt.assertCurrent();
    for (const b of ctx.liveOrShuttingDownBrokers()) deps.channel.addBroker(b);
    this.deletion.queueMarked();

    rt.batch.addUpdateMetadata(ctx.liveOrShuttingDownIds());
    rt.flush();
    for (const tp of ctx.allPartitions()) {
      const entry = ctx.requirePartition(tp);
      if (entry.state && !ctx.isQueuedForDeletion(tp.topic)) rt.batch.addLeaderAndIsr(entry.replicas.replicas, tp, false);
    }
    await this.psm.triggerOnlinePartitionStateChange();
    await this.psm.removeDeadReplicasFromIsr();
    await this.reassignment.resume(() => true);
    await this.deletion.tryDeletion();
    rt.flush();
  }
}
