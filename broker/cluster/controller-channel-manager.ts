/**
 * The controller's channel to brokers (coordinator/controller/controller-channel.ts), as the
 * broker implements it: one queue per broker; requests to this broker itself go to its own
 * handlers in process (local-requests.ts), requests to others over an InterBrokerClient to
 * their endpoint on the inter-broker listener.
 *
 * Invariants:
 * - One request in flight per broker, in send order (Kafka's RequestSendThread): a broker
 *   applies the controller's requests in the order they were decided.
 * - A request that fails for lack of an answer (connection refused, timeout, dropped
 *   connection) is retried after `retryBackoffMs` until answered or the broker is removed;
 *   removal rejects the queue with BrokerRemovedError.
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import type { LeaderAndIsrRequest } from '../../protocol/generated/leader-and-isr-request';
import type { LeaderAndIsrResponse } from '../../protocol/generated/leader-and-isr-response';
import type { StopReplicaRequest } from '../../protocol/generated/stop-replica-request';
import type { StopReplicaResponse } from '../../protocol/generated/stop-replica-response';
import type { UpdateMetadataRequest } from '../../protocol/generated/update-metadata-request';
import type { UpdateMetadataResponse } from '../../protocol/generated/update-metadata-response';
import { BrokerRemovedError, CONTROLLER_API_VERSIONS, type ControllerChannel } from '../../coordinator/controller/controller-channel';
import type { BrokerRegistration } from '../../coordinator/metadata-store';
import { InterBrokerClient } from '../../replication/inter-broker-client';
import type { Clock } from '../../storage/clock';
import type { Logger } from '../logger';

/** Sends one request and resolves with the decoded response body. */
export type RequestSender = (apiKey: number, version: number, body: unknown) => Promise<unknown>;

interface QueuedRequest {
  apiKey: number;
  version: number;
  body: unknown;
  resolve: (r: unknown) => void;
  reject: (e: Error) => void;
}

class BrokerQueue {
  private readonly queue: QueuedRequest[] = [];
  private running = false;
  private removed = false;
  private retryTimer: unknown;

  constructor(
    readonly brokerId: number,
    private readonly send: RequestSender,
    private readonly close: () => void,
    private readonly clock: Clock,
    private readonly retryBackoffMs: number,
    private readonly log: Logger,
  ) {}

  enqueue(r: QueuedRequest): void {
    if (this.removed) return r.reject(new BrokerRemovedError(this.brokerId));
    this.queue.push(r);
    this.pump();
  }

  private pump(): void {
    if (this.running || this.removed) return;
    const head = this.queue[0];
    if (!head) return;
    this.running = true;
    this.send(head.apiKey, head.version, head.body).then(
      (resp) => {
        this.running = false;
        if (this.removed) return;
        this.queue.shift();
        head.resolve(resp);
        this.pump();
      },
      (err: Error) => {
        this.running = false;
        if (this.removed) return;
        this.log.warn({ broker: this.brokerId, api: ApiKey[head.apiKey], err: err.message }, `controller request to broker ${this.brokerId} failed; retrying in ${this.retryBackoffMs} ms`);
        this.retryTimer = this.clock.setTimeout(() => this.pump(), this.retryBackoffMs);
      },
    );
  }

  remove(): void {
    this.removed = true;
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer as never);
    this.close();
    for (const r of this.queue.splice(0)) r.reject(new BrokerRemovedError(this.brokerId));
  }
}

export interface ControllerChannelOptions {
  /** This broker's id: requests to it go to `local`. */
  localBrokerId: number;
  local: RequestSender;
  interBrokerListenerName: string;
  requestTimeoutMs: number;
  retryBackoffMs: number;
  clock: Clock;
  log: Logger;
}

export class ControllerChannelManager implements ControllerChannel {
  private readonly queues = new Map<number, BrokerQueue>();

  constructor(private readonly opts: ControllerChannelOptions) {}

  addBroker(broker: BrokerRegistration): void {
    if (this.queues.has(broker.brokerId)) return;
    const o = this.opts;
    let send: RequestSender;
    let close = (): void => {};
    if (broker.brokerId === o.localBrokerId) {
      send = o.local;
    } else {
      const ep = broker.endpoints.find((e) => e.listenerName === o.interBrokerListenerName);
      if (!ep) {
        o.log.error({ broker: broker.brokerId, listener: o.interBrokerListenerName }, `broker ${broker.brokerId} has no endpoint on the inter-broker listener ${o.interBrokerListenerName}`);
        send = () => Promise.reject(new Error(`broker ${broker.brokerId} has no ${o.interBrokerListenerName} endpoint`));
      } else {
        const client = new InterBrokerClient({ host: ep.host, port: ep.port, clientId: `controller-${o.localBrokerId}-to-broker-${broker.brokerId}`, requestTimeoutMs: o.requestTimeoutMs, clock: o.clock });
        send = (k, v, b) => client.request(k, v, b);
        close = () => client.close();
      }
    }
    this.queues.set(broker.brokerId, new BrokerQueue(broker.brokerId, send, close, o.clock, o.retryBackoffMs, o.log));
  }

  removeBroker(brokerId: number): void {
    this.queues.get(brokerId)?.remove();
    this.queues.delete(brokerId);
  }

  private send<R>(brokerId: number, apiKey: number, version: number, body: unknown): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const q = this.queues.get(brokerId);
      if (!q) return reject(new BrokerRemovedError(brokerId));
      q.enqueue({ apiKey, version, body, resolve: resolve as (r: unknown) => void, reject });
    });
  }

  sendLeaderAndIsr(brokerId: number, req: LeaderAndIsrRequest): Promise<LeaderAndIsrResponse> {
    return this.send(brokerId, ApiKey.LeaderAndIsr, CONTROLLER_API_VERSIONS.leaderAndIsr, req);
  }
  sendUpdateMetadata(brokerId: number, req: UpdateMetadataRequest): Promise<UpdateMetadataResponse> {
    return this.send(brokerId, ApiKey.UpdateMetadata, CONTROLLER_API_VERSIONS.updateMetadata, req);
  }
  sendStopReplica(brokerId: number, req: StopReplicaRequest): Promise<StopReplicaResponse> {
    return this.send(brokerId, ApiKey.StopReplica, CONTROLLER_API_VERSIONS.stopReplica, req);
  }

  close(): void {
    for (const id of [...this.queues.keys()]) this.removeBroker(id);
  }
}
