/**
 * This broker's membership of the cluster: its id (broker.id, meta.properties, or generated
 * from /brokers/seqid), its registration (ephemeral /brokers/ids/<id>), and re-registration
 * when the metadata store's session expired (Kafka re-registers on a new ZooKeeper session).
 *
 * Invariants:
 * - `brokerEpoch` is the epoch of the current registration; every registration raises it, and
 *   `onRegistered` runs after each (the replica leadership then refuses requests meant for an
 *   older registration).
 * - A registration refused because the id is still held by the previous session (it expires
 *   within zookeeper.session.timeout.ms) is retried until it succeeds or the broker stops.
 */
import { readMetaProperties } from '../../storage/meta-properties';
import { BrokerIdInUseError, type BrokerEndpoint, type BrokerRegistration, type ClusterMetadataStore } from '../../coordinator/metadata-store';
import type { Clock } from '../../storage/clock';
import type { BrokerConfig } from '../config/config';
import type { Logger } from '../logger';

/** broker.id, else the id in a log dir's meta.properties, else a generated one (Kafka's rules). */
export async function resolveBrokerId(cfg: BrokerConfig, store: ClusterMetadataStore): Promise<number> {
  let stored: number | undefined;
  for (const dir of cfg.logDirs) {
    const meta = await readMetaProperties(dir).catch(() => null);
    const id = meta?.get('broker.id');
    if (id === undefined || !/^\d+$/.test(id)) continue;
    if (stored !== undefined && stored !== Number(id)) throw new Error(`log dirs disagree on broker.id: ${stored} and ${id} (meta.properties)`);
    stored = Number(id);
  }
  if (cfg.brokerId >= 0) {
    if (stored !== undefined && stored !== cfg.brokerId) {
      throw new Error(`broker.id ${cfg.brokerId} does not match broker.id ${stored} in meta.properties of ${cfg.logDirs.join(', ')}: this data belongs to another broker`);
    }
    if (cfg.brokerIdGenerationEnable && cfg.brokerId > cfg.reservedBrokerMaxId && stored === undefined) {
      throw new Error(`broker.id ${cfg.brokerId} is above reserved.broker.max.id ${cfg.reservedBrokerMaxId}, which is kept for generated ids`);
    }
    return cfg.brokerId;
  }
  if (stored !== undefined) return stored;
  if (!cfg.brokerIdGenerationEnable) throw new Error('broker.id is not set and broker.id.generation.enable is false');
  return cfg.reservedBrokerMaxId + (await store.nextBrokerSequence());
}

export class BrokerMembership {
  private current: BrokerRegistration | undefined;
  private stopped = false;
  private retryTimer: unknown;
  private readonly offChange: () => void;

  constructor(
    private readonly store: ClusterMetadataStore,
    readonly brokerId: number,
    private readonly endpoints: readonly BrokerEndpoint[],
    private readonly rack: string | null,
    private readonly onRegistered: (r: BrokerRegistration) => void,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly retryMs = 1000,
  ) {
    this.offChange = store.onChange((e) => {
      if (e.type === 'session' && e.state === 'expired') this.log.warn('metadata store session expired: this broker is no longer registered');
      if (e.type === 'session' && e.state === 'connected' && this.current && !this.isRegistered()) void this.register();
    });
  }

  get brokerEpoch(): bigint {
    return this.current?.brokerEpoch ?? -1n;
  }

  private isRegistered(): boolean {
    return this.store.liveBrokers().some((b) => b.brokerId === this.brokerId && b.brokerEpoch === this.current?.brokerEpoch);
  }

  /** Registers, waiting out a previous session that still holds the id. */
  async register(): Promise<BrokerRegistration> {
    for (;;) {
      if (this.stopped) throw new Error('broker is stopping');
      try {
        const r = await this.store.registerBroker({ brokerId: this.brokerId, endpoints: this.endpoints, rack: this.rack });
        this.current = r;
        this.log.info({ brokerId: this.brokerId, brokerEpoch: String(r.brokerEpoch) }, `registered broker ${this.brokerId} (epoch ${r.brokerEpoch})`);
        this.onRegistered(r);
        return r;
      } catch (e) {
        if (!(e instanceof BrokerIdInUseError)) throw e;
        this.log.warn({ brokerId: this.brokerId }, `broker id ${this.brokerId} is still registered by an earlier session; retrying in ${this.retryMs} ms`);
        await new Promise<void>((r) => (this.retryTimer = this.clock.setTimeout(() => r(), this.retryMs)));
      }
    }
  }

  async unregister(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer as never);
    this.offChange();
    if (this.current) await this.store.unregisterBroker(this.brokerId).catch(() => undefined);
  }
}
