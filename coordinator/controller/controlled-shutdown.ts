/**
 * ControlledShutdown: a broker leaving on SIGTERM asks the controller to move its work away
 * (Kafka's doControlledShutdown).
 *
 * Case A: unknown broker -> BROKER_NOT_AVAILABLE; a broker epoch older than the registered one
 *   (when given, i.e. not -1) -> STALE_BROKER_EPOCH.
 * Case B: the broker joins the shutting-down set: from now on it may not lead, join an ISR or
 *   be elected by any other election.
 * Case C: for each of its partitions, outside topics being deleted:
 *   - led by the broker: a controlled-shutdown election picks another ISR member (the ISR
 *     drops the broker; leader epoch + 1), LeaderAndIsr to the replicas; with one replica, or
 *     no other ISR member, there is none and the broker keeps leading;
 *   - followed by the broker: StopReplica(deletePartition=false) to it, and it leaves the ISR
 *     (leader epoch unchanged), LeaderAndIsr to the other replicas.
 * The answer lists the replicated partitions (more than one replica, not being deleted) the
 * broker still leads, as Kafka's replicatedPartitionsBrokerLeads: the broker retries until that
 * list is empty or it gives up. A single-replica partition cannot move and does not hold it up.
 */
import { ErrorCode } from '../../protocol/errors';
import type { ControllerRuntime } from './controller-runtime';
import { TopicPartition, tpString } from './controller-context';
import type { PartitionStateMachine } from './partition-state-machine';

export interface ControlledShutdownResult {
  errorCode: ErrorCode;
  remainingPartitions: { topicName: string; partitionIndex: number }[];
}

export class ControlledShutdownHandler {
  constructor(
    private readonly rt: ControllerRuntime,
    private readonly psm: PartitionStateMachine,
  ) {}

  async handle(brokerId: number, brokerEpoch: bigint): Promise<ControlledShutdownResult> {
    const { ctx, logger, batch } = this.rt;
    const reg = ctx.broker(brokerId);
    if (!reg) return { errorCode: ErrorCode.BROKER_NOT_AVAILABLE, remainingPartitions: [] };
    if (brokerEpoch !== -1n && brokerEpoch < reg.brokerEpoch) {
      logger.info({ brokerId, brokerEpoch: String(brokerEpoch) }, `Controlled shutdown from broker ${brokerId} with stale broker epoch ${brokerEpoch}`);
      return { errorCode: ErrorCode.STALE_BROKER_EPOCH, remainingPartitions: [] };
    }
    logger.info({ brokerId }, `Shutting down broker ${brokerId}`);
    ctx.shuttingDown.add(brokerId);

    const replicated = (tp: TopicPartition): boolean => !ctx.isQueuedForDeletion(tp.topic) && ctx.requirePartition(tp).replicas.replicas.length > 1;
    const toActOn = ctx.partitionsOnBroker(brokerId).filter(replicated);
    const led: TopicPartition[] = [];
    const followed: TopicPartition[] = [];
    for (const tp of toActOn) (ctx.requirePartition(tp).state?.leader === brokerId ? led : followed).push(tp);

    await this.psm.elect(led, { kind: 'controlled-shutdown' });
    for (const tp of followed) batch.addStopReplica([brokerId], tp, false);
    await this.psm.removeFromIsr(followed, brokerId);

    const remaining = ctx.partitionsLedBy(brokerId).filter(replicated);
    if (remaining.length > 0) {
      logger.info({ brokerId, remaining: remaining.map(tpString) }, `Broker ${brokerId} still leads ${remaining.length} partitions`);
    }
    return { errorCode: ErrorCode.NONE, remainingPartitions: remaining.map((tp) => ({ topicName: tp.topic, partitionIndex: tp.partition })) };
  }
}
