/**
 * BrokerMembership: reacts to the live broker set (Kafka's processBrokerChange, onBrokerStartup,
 * onBrokerFailure).
 *
 * The store's live brokers are compared with the context's:
 * Case A (new): added to the channel and the context; UpdateMetadata (brokers only) to the
 *   others, then the full partition picture to the newcomers; LeaderAndIsr for every replica
 *   they hold; offline and new partitions elected; reassignments targeting them and deletions
 *   with replicas on them resumed.
 * Case B (dead): removed from the channel and the context; partitions they led go Offline and
 *   get an offline election; they leave every other ISR (leader epoch unchanged); replicas of
 *   topics being deleted become Ineligible; UpdateMetadata to the rest.
 * Case C (bounced: same id, another broker epoch, i.e. it restarted within the session
 *   timeout): Case B then Case A.
 * Case D (same registration, new endpoints or rack): UpdateMetadata to all.
 */
import type { BrokerRegistration } from '../metadata-store';
import type { ControllerChannel } from './controller-channel';
import type { ControllerRuntime } from './controller-runtime';
import type { TopicPartition } from './controller-context';
import type { PartitionStateMachine } from './partition-state-machine';
import type { ReassignmentManager } from './reassignment';
import type { TopicDeletionManager } from './topic-deletion';

export class BrokerMembership {
  constructor(
    private readonly rt: ControllerRuntime,
    private readonly channel: ControllerChannel,
    private readonly psm: PartitionStateMachine,
    private readonly deletion: TopicDeletionManager,
    private readonly reassignment: ReassignmentManager,
  ) {}

  async reconcile(): Promise<void> {
    const { ctx, store, logger } = this.rt;
    const current = new Map(store.liveBrokers().map((b) => [b.brokerId, b] as const));
    const known = new Map(ctx.liveOrShuttingDownBrokers().map((b) => [b.brokerId, b] as const));
    const added = [...current.keys()].filter((id) => !known.has(id)).sort((a, b) => a - b);
    const dead = [...known.keys()].filter((id) => !current.has(id)).sort((a, b) => a - b);
    const bounced = [...current.keys()].filter((id) => known.has(id) && known.get(id)?.brokerEpoch !== current.get(id)?.brokerEpoch).sort((a, b) => a - b);
    const updated = [...current.keys()].filter((id) => {
      const k = known.get(id);
      const c = current.get(id) as BrokerRegistration;
      return k !== undefined && k.brokerEpoch === c.brokerEpoch && !sameRegistration(k, c);
    });
    if (added.length + dead.length + bounced.length + updated.length === 0) return;
    logger.info({ added, dead, bounced, live: [...current.keys()] }, `Brokers added: ${added.join(',')}; dead: ${dead.join(',')}; bounced: ${bounced.join(',')}`);

    for (const id of added) this.channel.addBroker(current.get(id) as BrokerRegistration);
    for (const id of bounced) {
      this.channel.removeBroker(id);
      this.channel.addBroker(current.get(id) as BrokerRegistration);
    }
    for (const id of dead) this.channel.removeBroker(id);

    if (added.length > 0) {
      for (const id of added) ctx.addBroker(current.get(id) as BrokerRegistration);
      await this.onStartup(added);
    }
    if (bounced.length > 0) {
      for (const id of bounced) ctx.removeBroker(id);
      await this.onFailure(bounced);
      for (const id of bounced) ctx.addBroker(current.get(id) as BrokerRegistration);
      await this.onStartup(bounced);
    }
    if (dead.length > 0) {
      for (const id of dead) ctx.removeBroker(id);
      await this.onFailure(dead);
    }
    if (updated.length > 0) {
      for (const id of updated) ctx.addBroker(current.get(id) as BrokerRegistration);
      this.rt.batch.addUpdateMetadata(ctx.liveOrShuttingDownIds());
    }
  }

  private async onStartup(ids: readonly number[]): Promise<void> {
    const { ctx, batch } = this.rt;
    const existing = ctx.liveOrShuttingDownIds().filter((b) => !ids.includes(b));
    // Brokers first learn the live set, then the newcomers get every partition with a state.
    batch.addUpdateMetadata(existing);
    this.rt.flush();
    batch.addUpdateMetadata(ids, ctx.allPartitions().filter((tp) => ctx.requirePartition(tp).state !== undefined));
    this.rt.flush();

    const hosted: TopicPartition[] = ids.flatMap((id) => ctx.partitionsOnBroker(id));
    for (const id of ids) {
      for (const tp of ctx.partitionsOnBroker(id)) {
        if (!ctx.isQueuedForDeletion(tp.topic)) batch.addLeaderAndIsr([id], tp, false);
      }
    }
    await this.psm.triggerOnlinePartitionStateChange();
    await this.reassignment.resume((_tp, replicas) => replicas.target.some((r) => ids.includes(r)));
    const deleting = [...new Set(hosted.map((tp) => tp.topic))].filter((t) => ctx.isQueuedForDeletion(t));
    await this.deletion.resumeForTopics(deleting);
  }

  private async onFailure(ids: readonly number[]): Promise<void> {
    const { ctx, batch } = this.rt;
    this.psm.markOfflineLeaders();
    await this.psm.triggerOnlinePartitionStateChange();
    const affected: TopicPartition[] = [];
    for (const id of ids) {
      const tps = ctx.partitionsOnBroker(id).filter((tp) => !ctx.isQueuedForDeletion(tp.topic));
      affected.push(...tps);
      await this.psm.removeFromIsr(tps, id);
    }
    await this.deletion.onBrokersDead(ids);
    // Their replicas are offline now: every broker gets the broker set and those partitions.
    batch.addUpdateMetadata(ctx.liveOrShuttingDownIds(), affected);
  }
}

function sameRegistration(a: BrokerRegistration, b: BrokerRegistration): boolean {
  if (a.rack !== b.rack || a.endpoints.length !== b.endpoints.length) return false;
  return a.endpoints.every((e, i) => {
    const o = b.endpoints[i];
    return o !== undefined && o.host === e.host && o.port === e.port && o.listenerName === e.listenerName && o.securityProtocol === e.securityProtocol;
  });
}
