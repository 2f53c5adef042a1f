/**
 * TopicDeletionManager: carries out the deletions queued in /admin/delete_topics (Kafka's
 * TopicDeletionManager).
 *
 * A queued topic's deletion runs in rounds:
 * 1. UpdateMetadata with leader -2 for its partitions (brokers drop them from their metadata);
 * 2. StopReplica(deletePartition=true) to each registered replica not yet deleted (Started);
 *    a replica on a dead broker is Ineligible and halts the topic;
 * 3. when every replica is Successful, `store.deleteTopic` removes the topic, its states,
 *    configs and mark.
 * An error answer, a failed send, or the death of the broker makes a replica Ineligible and
 * halts the topic; the topic resumes (its Ineligible replicas go back to Pending) when a broker holding one
 * of its replicas starts, or when a reassignment of it completes.
 *
 * Invariants:
 * - A topic is eligible for a round only while queued, with no replica Started and not halted.
 * - With delete.topic.enable=false nothing is deleted and the marks stay in the store (Kafka
 *   removes them; the store has no call for that), so a later controller with deletion enabled
 *   carries them out.
 */
import { ErrorCode } from '../../protocol/errors';
import type { ControllerRuntime } from './controller-runtime';
import type { TopicPartition } from './controller-context';
import { ReplicaDeletionState } from './lifecycle';
import type { DeletionResult } from './request-batch';

export class TopicDeletionManager {
  constructor(private readonly rt: ControllerRuntime) {
    rt.deletionListener = (brokerId, results) => this.onDeletionResult(brokerId, results);
  }

  /** Queues the marked topics that exist (failover, topic-deletion-requested); returns the new ones. */
  queueMarked(): string[] {
    const { ctx, store, config, logger } = this.rt;
    const marked = store.topicsMarkedForDeletion();
    if (!config.deleteTopicEnable) {
      if (marked.length > 0) logger.info({ topics: marked }, `Topic deletion is disabled; not deleting ${marked.join(',')}`);
      return [];
    }
    const queued: string[] = [];
    for (const topic of marked) {
      if (!ctx.topic(topic) || ctx.topicsToBeDeleted.has(topic)) continue;
      logger.info({ topic }, `Starting deletion of topic ${topic}`);
      ctx.topicsToBeDeleted.add(topic);
      queued.push(topic);
      if (ctx.partitionsOf(topic).some((tp) => ctx.requirePartition(tp).replicas.isBeingReassigned)) this.markIneligible([topic]);
    }
    return queued;
  }

  /** topic-deletion-requested: queues the new marks and runs the deletions. */
  async enqueueMarked(): Promise<void> {
    if (this.queueMarked().length > 0) await this.tryDeletion();
  }

  markIneligible(topics: readonly string[]): void {
    for (const t of topics) if (this.rt.ctx.topicsToBeDeleted.has(t)) this.rt.ctx.topicsIneligibleForDeletion.add(t);
  }

  async resumeForTopics(topics: readonly string[]): Promise<void> {
    const { ctx } = this.rt;
    const queued = topics.filter((t) => ctx.topicsToBeDeleted.has(t));
    if (queued.length === 0) return;
    for (const t of queued) ctx.topicsIneligibleForDeletion.delete(t);
    await this.tryDeletion();
  }

  /**
   * Replicas of queued topics on brokers that died (or restarted): their answer will not come;
   * they wait for the broker to start again. Done at once, in the broker-change event, so that a
   * broker that restarts is asked again in the same event.
   */
  async onBrokersDead(brokerIds: readonly number[]): Promise<void> {
    const { ctx } = this.rt;
    const halted = new Set<string>();
    for (const topic of ctx.topicsToBeDeleted) {
      for (const { tp, replica } of ctx.replicasOfTopic(topic)) {
        if (!brokerIds.includes(replica) || ctx.deletionState(tp, replica) !== ReplicaDeletionState.Started) continue;
        ctx.moveReplicaTo(tp, replica, ReplicaDeletionState.Ineligible);
        halted.add(topic);
      }
    }
    if (halted.size === 0) return;
    this.markIneligible([...halted]);
    await this.tryDeletion();
  }

  private async onDeletionResult(brokerId: number, results: readonly DeletionResult[]): Promise<void> {
    const { ctx, logger } = this.rt;
    const failed = new Set<string>();
    for (const { tp, errorCode } of results) {
      // Only a replica awaiting an answer takes one (its topic may be gone, or re-created).
      if (!ctx.topicsToBeDeleted.has(tp.topic) || ctx.deletionState(tp, brokerId) !== ReplicaDeletionState.Started) continue;
      if (errorCode === ErrorCode.NONE) {
        ctx.moveReplicaTo(tp, brokerId, ReplicaDeletionState.Successful);
      } else {
        logger.warn({ topic: tp.topic, partition: tp.partition, brokerId, errorCode }, `Deletion of replica ${brokerId} of ${tp.topic}-${tp.partition} failed`);
        ctx.moveReplicaTo(tp, brokerId, ReplicaDeletionState.Ineligible);
        failed.add(tp.topic);
      }
    }
    this.markIneligible([...failed]);
    await this.tryDeletion();
  }

  /** Kafka's resumeDeletions: completes, retries or starts each queued topic's deletion. */
  async tryDeletion(): Promise<void> {
    const { ctx } = this.rt;
    const eligible: string[] = [];
    for (const topic of [...ctx.topicsToBeDeleted]) {
      const replicas = ctx.replicasOfTopic(topic);
      const states = replicas.map(({ tp, replica }) => ctx.deletionState(tp, replica));
      if (states.every((s) => s === ReplicaDeletionState.Successful)) {
        await this.complete(topic);
        continue;
      }
      const started = states.includes(ReplicaDeletionState.Started);
      if (!started) {
        // Retry: Ineligible replicas are asked again in the next round (dead ones go straight back).
        for (const { tp, replica } of replicas) {
          if (ctx.deletionState(tp, replica) === ReplicaDeletionState.Ineligible) ctx.moveReplicaTo(tp, replica, ReplicaDeletionState.Pending);
        }
        if (!ctx.topicsIneligibleForDeletion.has(topic)) eligible.push(topic);
      }
    }
    if (eligible.length > 0) this.startRound(eligible);
  }

  private startRound(topics: readonly string[]): void {
    const { ctx, batch } = this.rt;
    const halted: string[] = [];
    const partitions: TopicPartition[] = [];
    for (const topic of topics) {
      partitions.push(...ctx.partitionsOf(topic));
      for (const { tp, replica } of ctx.replicasOfTopic(topic)) {
        if (ctx.deletionState(tp, replica) === ReplicaDeletionState.Successful) continue;
        if (ctx.isLiveOrShuttingDown(replica)) {
          ctx.moveReplicaTo(tp, replica, ReplicaDeletionState.Started);
          batch.addStopReplica([replica], tp, true);
        } else {
          ctx.moveReplicaTo(tp, replica, ReplicaDeletionState.Ineligible);
          if (!halted.includes(topic)) halted.push(topic);
        }
      }
    }
    batch.addUpdateMetadata(ctx.liveOrShuttingDownIds(), partitions);
    this.markIneligible(halted);
  }

  private async complete(topic: string): Promise<void> {
    const { ctx, logger } = this.rt;
    await this.rt.deleteTopic(topic);
    ctx.removeTopic(topic);
    logger.info({ topic }, `Deletion of topic ${topic} completed`);
  }
}
