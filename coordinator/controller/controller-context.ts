/**
 * ControllerContext: what the active controller knows (Kafka's ControllerContext), built from the
 * metadata store at election and kept current by the controller's own writes and the store's
 * events. One context per controllership: resignation drops it.
 *
 * Invariants:
 * - Only the controller's event queue reads or changes it (one event at a time).
 * - `state` of a partition is the last stored state the controller read or wrote (its
 *   `version` is the znode version a conditional write must name).
 * - `liveBrokers` holds every registered broker, shutting-down ones included; `isLive` excludes
 *   the shutting-down ones (they may not lead or join an ISR), as Kafka's liveBrokerIds does.
 * - A topic in `topicsToBeDeleted` is never elected for, reassigned or shrunk.
 */
import type { BrokerRegistration, ControllerFence, PartitionState, TopicMetadata } from '../metadata-store';
import {
  assertTransition,
  PartitionLifecycle,
  ReplicaDeletionState,
  VALID_PREVIOUS_DELETION_STATES,
  VALID_PREVIOUS_PARTITION_STATES,
} from './lifecycle';
import { ReplicaSet } from './replica-set';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface PartitionEntry {
  replicas: ReplicaSet;
  state: PartitionState | undefined;
  lifecycle: PartitionLifecycle;
}

export interface TopicEntry {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: Map<number, PartitionEntry>;
}

export function tpKey(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

export function tpString(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

export class ControllerContext {
  private readonly live = new Map<number, BrokerRegistration>();
  /** Brokers in a controlled shutdown: still registered, no longer eligible as leader or ISR member. */
  readonly shuttingDown = new Set<number>();
  private readonly topicsByName = new Map<string, TopicEntry>();
  private readonly namesById = new Map<string, string>();
  /** Topics queued for deletion (/admin/delete_topics) that exist. */
  readonly topicsToBeDeleted = new Set<string>();
  /** Queued topics whose deletion is halted (a dead replica, a failed delete, a reassignment). */
  readonly topicsIneligibleForDeletion = new Set<string>();
  /** Replicas of topics being deleted: `${tpKey}\u0000${broker}` -> state. */
  private readonly deletion = new Map<string, ReplicaDeletionState>();
  /** Partitions with a reassignment in progress (tpKey). */
  readonly reassigning = new Set<string>();

  constructor(readonly fence: ControllerFence) {}

  get epoch(): number {
    return this.fence.controllerEpoch;
  }

  // ---- brokers ---------------------------------------------------------------------------

  addBroker(reg: BrokerRegistration): void {
    this.live.set(reg.brokerId, reg);
  }

  removeBroker(brokerId: number): void {
    this.live.delete(brokerId);
    this.shuttingDown.delete(brokerId);
  }

  broker(brokerId: number): BrokerRegistration | undefined {
    return this.live.get(brokerId);
  }

  /** Registered brokers, shutting-down ones included, by id. */
  liveOrShuttingDownBrokers(): BrokerRegistration[] {
    return [...this.live.values()].sort((a, b) => a.brokerId - b.brokerId);
  }

  liveOrShuttingDownIds(): number[] {
    return this.liveOrShuttingDownBrokers().map((b) => b.brokerId);
  }

  isLiveOrShuttingDown(brokerId: number): boolean {
    return this.live.has(brokerId);
  }

  /** Registered and not shutting down: may become leader or join an ISR. */
  isLive(brokerId: number): boolean {
    return this.live.has(brokerId) && !this.shuttingDown.has(brokerId);
  }

  // ---- topics and partitions -------------------------------------------------------------

  /** Adds a topic with every partition of its assignment in NonExistent (the caller moves them on). */
  addTopic(meta: TopicMetadata): TopicEntry {
    const entry: TopicEntry = { name: meta.name, topicId: meta.topicId, partitions: new Map() };
    this.topicsByName.set(meta.name, entry);
    this.namesById.set(meta.topicId, meta.name);
    for (const p of meta.assignment.keys()) this.addPartition(meta, p);
    return entry;
  }

  addPartition(meta: TopicMetadata, p: number): PartitionEntry {
    const topic = this.topicsByName.get(meta.name);
    if (!topic) throw new Error(`topic ${meta.name} is not in the controller context`);
    const entry: PartitionEntry = {
      replicas: ReplicaSet.of(meta.assignment.get(p) ?? [], meta.addingReplicas.get(p) ?? [], meta.removingReplicas.get(p) ?? []),
      state: undefined,
      lifecycle: PartitionLifecycle.NonExistent,
    };
    topic.partitions.set(p, entry);
    if (entry.replicas.isBeingReassigned) this.reassigning.add(tpKey({ topic: meta.name, partition: p }));
    return entry;
  }

  removeTopic(name: string): void {
    const t = this.topicsByName.get(name);
    if (!t) return;
    this.topicsByName.delete(name);
    this.namesById.delete(t.topicId);
    this.topicsToBeDeleted.delete(name);
    this.topicsIneligibleForDeletion.delete(name);
    for (const p of t.partitions.keys()) {
      const key = tpKey({ topic: name, partition: p });
      this.reassigning.delete(key);
      for (const k of [...this.deletion.keys()]) if (k.startsWith(`${key}\u0000`)) this.deletion.delete(k);
    }
  }

  topic(name: string): TopicEntry | undefined {
    return this.topicsByName.get(name);
  }

  topicNameById(topicId: string): string | undefined {
    return this.namesById.get(topicId);
  }

  topicNames(): string[] {
    return [...this.topicsByName.keys()];
  }

  partition(tp: TopicPartition): PartitionEntry | undefined {
    return this.topicsByName.get(tp.topic)?.partitions.get(tp.partition);
  }

  /** The partition's entry; throws when the controller does not know it (a caller's bug). */
  requirePartition(tp: TopicPartition): PartitionEntry {
    const e = this.partition(tp);
    if (!e) throw new Error(`partition ${tpString(tp)} is not in the controller context`);
    return e;
  }

  partitionsOf(topic: string): TopicPartition[] {
    const t = this.topicsByName.get(topic);
    return t ? [...t.partitions.keys()].sort((a, b) => a - b).map((partition) => ({ topic, partition })) : [];
  }

  allPartitions(): TopicPartition[] {
    return this.topicNames().flatMap((t) => this.partitionsOf(t));
  }

  /** Partitions with a replica (in the full replica set) on `brokerId`. */
  partitionsOnBroker(brokerId: number): TopicPartition[] {
    return this.allPartitions().filter((tp) => this.requirePartition(tp).replicas.replicas.includes(brokerId));
  }

  partitionsLedBy(brokerId: number): TopicPartition[] {
    return this.allPartitions().filter((tp) => this.partition(tp)?.state?.leader === brokerId);
  }

  setState(tp: TopicPartition, state: PartitionState): void {
    this.requirePartition(tp).state = state;
  }

  moveTo(tp: TopicPartition, to: PartitionLifecycle): void {
    const e = this.requirePartition(tp);
    assertTransition(VALID_PREVIOUS_PARTITION_STATES, `partition ${tpString(tp)}`, e.lifecycle, to);
    e.lifecycle = to;
  }

  isQueuedForDeletion(topic: string): boolean {
    return this.topicsToBeDeleted.has(topic);
  }

  // ---- replicas of topics being deleted ---------------------------------------------------

  deletionState(tp: TopicPartition, replica: number): ReplicaDeletionState {
    return this.deletion.get(replicaKey(tp, replica)) ?? ReplicaDeletionState.Pending;
  }

  moveReplicaTo(tp: TopicPartition, replica: number, to: ReplicaDeletionState): void {
    const from = this.deletionState(tp, replica);
    assertTransition(VALID_PREVIOUS_DELETION_STATES, `replica ${replica} of ${tpString(tp)}`, from, to);
    this.deletion.set(replicaKey(tp, replica), to);
  }

  /** Every (partition, replica) of the topic, in partition then assignment order. */
  replicasOfTopic(topic: string): { tp: TopicPartition; replica: number }[] {
    return this.partitionsOf(topic).flatMap((tp) => this.requirePartition(tp).replicas.replicas.map((replica) => ({ tp, replica })));
  }
}

function replicaKey(tp: TopicPartition, replica: number): string {
  return `${tpKey(tp)}\u0000${replica}`;
}
