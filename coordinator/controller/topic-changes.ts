/**
 * TopicChanges: loads the topics into the context at election, and follows topic creation,
 * partition additions and removals afterwards (Kafka's initializeControllerContext,
 * processTopicChange, processPartitionModifications, onNewPartitionCreation).
 *
 * Invariants:
 * - The store is the truth: each event re-reads its topics and applies the difference, so
 *   repeated, late or coalesced events are harmless.
 * - A topic whose id changed under the same name was deleted and re-created.
 * - Partitions added to a topic being deleted are ignored (they go with the topic).
 * - New partitions get their first state (leader = first live replica, ISR = live replicas,
 *   leader epoch 0) and LeaderAndIsr(isNew) to those replicas; with no live replica they wait
 *   (New) for a broker to start.
 */
import type { ClusterMetadataStore } from '../metadata-store';
import type { ControllerRuntime } from './controller-runtime';
import { ControllerContext, TopicPartition, tpString } from './controller-context';
import { PartitionLifecycle } from './lifecycle';
import { lifecycleOfStored, type PartitionStateMachine } from './partition-state-machine';

/**
 * Builds the context of a new controllership from the store: live brokers, topics with their
 * assignments, and every stored partition state. Lifecycles: no state -> New; a registered
 * leader -> Online; otherwise Offline.
 */
export async function loadContext(store: ClusterMetadataStore, ctx: ControllerContext): Promise<void> {
  for (const b of store.liveBrokers()) ctx.addBroker(b);
  const topics = store.topics();
  const states = await Promise.all(topics.map((t) => store.readPartitionStates(t.name)));
  topics.forEach((t, i) => {
    const entry = ctx.addTopic(t);
    const stored = states[i] ?? new Map();
    for (const [p, e] of entry.partitions) {
      const tp = { topic: t.name, partition: p };
      e.state = stored.get(p);
      ctx.moveTo(tp, PartitionLifecycle.New);
      if (e.state) ctx.moveTo(tp, lifecycleOfStored(ctx, e));
    }
  });
}

export class TopicChanges {
  constructor(
    private readonly rt: ControllerRuntime,
    private readonly psm: PartitionStateMachine,
  ) {}

  async reconcile(): Promise<void> {
    const { ctx, store, logger } = this.rt;
    const topics = store.topics();
    const names = new Set(topics.map((t) => t.name));
    for (const known of ctx.topicNames()) {
      if (!names.has(known)) {
        logger.info({ topic: known }, `Topic ${known} is gone`);
        ctx.removeTopic(known);
      }
    }
    const fresh: TopicPartition[] = [];
    for (const t of topics) {
      let entry = ctx.topic(t.name);
      if (entry && entry.topicId !== t.topicId) {
        ctx.removeTopic(t.name);
        entry = undefined;
      }
      if (!entry) {
        entry = ctx.addTopic(t);
        for (const p of entry.partitions.keys()) fresh.push({ topic: t.name, partition: p });
        continue;
      }
      for (const p of t.assignment.keys()) {
        if (entry.partitions.has(p)) continue;
        if (ctx.isQueuedForDeletion(t.name)) {
          logger.warn({ topic: t.name, partition: p }, `Not adding partition ${p} to ${t.name}: the topic is being deleted`);
          continue;
        }
        ctx.addPartition(t, p);
        fresh.push({ topic: t.name, partition: p });
      }
    }
    if (fresh.length === 0) return;
    fresh.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    logger.info({ partitions: fresh.map(tpString) }, `New partitions: ${fresh.map(tpString).join(',')}`);
    for (const tp of fresh) ctx.moveTo(tp, PartitionLifecycle.New);
    await this.psm.initializeNew(fresh);
  }
}
