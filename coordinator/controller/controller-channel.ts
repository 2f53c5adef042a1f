/**
 * ControllerChannel: how the controller reaches brokers (Kafka's ControllerChannelManager).
 * The controller decides; brokers apply what it sends. The broker implements this interface
 * (broker/cluster/): requests to itself are handed to its own handlers in process, requests to
 * other brokers go over the inter-broker listener.
 *
 * Contract:
 * - Requests to one broker are delivered in the order they were sent; a request that fails
 *   for lack of a connection is retried (with backoff) until it is answered or the broker is
 *   removed, when it rejects with BrokerRemovedError.
 * - The versions are fixed: CONTROLLER_API_VERSIONS.
 */
import type { LeaderAndIsrRequest } from '../../protocol/generated/leader-and-isr-request';
import type { LeaderAndIsrResponse } from '../../protocol/generated/leader-and-isr-response';
import type { StopReplicaRequest } from '../../protocol/generated/stop-replica-request';
import type { StopReplicaResponse } from '../../protocol/generated/stop-replica-response';
import type { UpdateMetadataRequest } from '../../protocol/generated/update-metadata-request';
import type { UpdateMetadataResponse } from '../../protocol/generated/update-metadata-response';
import type { BrokerRegistration } from '../metadata-store';

export const CONTROLLER_API_VERSIONS = { leaderAndIsr: 7, updateMetadata: 8, stopReplica: 4 } as const;

export class BrokerRemovedError extends Error {
  constructor(readonly brokerId: number) {
    super(`broker ${brokerId} was removed from the controller channel`);
    this.name = 'BrokerRemovedError';
  }
}

export interface ControllerChannel {
  /** Opens a queue to the broker (its endpoint on the inter-broker listener). */
  addBroker(broker: BrokerRegistration): void;
  /** Closes the queue; pending requests reject with BrokerRemovedError. */
  removeBroker(brokerId: number): void;
  sendLeaderAndIsr(brokerId: number, req: LeaderAndIsrRequest): Promise<LeaderAndIsrResponse>;
  sendUpdateMetadata(brokerId: number, req: UpdateMetadataRequest): Promise<UpdateMetadataResponse>;
  sendStopReplica(brokerId: number, req: StopReplicaRequest): Promise<StopReplicaResponse>;
  /** Removes every broker. */
  close(): void;
}
