/**
 * Requests from this broker to the active controller (Kafka's BrokerToControllerChannelManager):
 * AlterPartition from partition leaders and ControlledShutdown at shutdown. The controller is
 * whichever broker the metadata cache names (UpdateMetadata carries it); when that is this
 * broker the request goes to its own handler in process.
 *
 * A send fails (and the caller retries) when no controller is known, when the connection fails
 * or times out, or when the receiver answers NOT_CONTROLLER; one connection is kept to the
 * current controller and replaced when the controller moves.
 */
import { InterBrokerClient } from '../../replication/inter-broker-client';
import type { Clock } from '../../storage/clock';
import type { MetadataCache } from '../metadata/metadata-cache';
import type { RequestSender } from './controller-channel-manager';

export class NoControllerError extends Error {
  constructor() {
    super('no controller is known yet');
    this.name = 'NoControllerError';
  }
}

export interface ControllerClientOptions {
  brokerId: number;
  cache: MetadataCache;
  interBrokerListenerName: string;
  local: RequestSender;
  requestTimeoutMs: number;
  clock: Clock;
}

export class ControllerClient {
  private remote: { controllerId: number; host: string; port: number; client: InterBrokerClient } | undefined;
  private closed = false;

  constructor(private readonly opts: ControllerClientOptions) {}

  /** The controller's id as this broker knows it, or -1. */
  get controllerId(): number {
    return this.opts.cache.controllerId;
  }

  send<R>(apiKey: number, version: number, body: unknown): Promise<R> {
    const o = this.opts;
    const id = o.cache.controllerId;
    if (this.closed || id < 0) return Promise.reject(new NoControllerError());
    if (id === o.brokerId) return o.local(apiKey, version, body) as Promise<R>;
    const ep = o.cache.endpointOf(id, o.interBrokerListenerName);
    if (!ep) return Promise.reject(new NoControllerError());
    if (!this.remote || this.remote.controllerId !== id || this.remote.host !== ep.host || this.remote.port !== ep.port) {
      this.remote?.client.close();
      const client = new InterBrokerClient({ host: ep.host, port: ep.port, clientId: `broker-${o.brokerId}-to-controller`, requestTimeoutMs: o.requestTimeoutMs, clock: o.clock });
      this.remote = { controllerId: id, host: ep.host, port: ep.port, client };
    }
    return this.remote.client.request<R>(apiKey, version, body);
  }

  close(): void {
    this.closed = true;
    this.remote?.client.close();
    this.remote = undefined;
  }
}
