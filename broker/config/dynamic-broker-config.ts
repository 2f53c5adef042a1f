/**
 * DynamicBrokerConfig: the broker's current effective settings (Kafka's DynamicBrokerConfig).
 *
 * `current()` is a frozen BrokerConfig built by broker/config/config.ts from the static keys with the
 * usable dynamic broker configs of the metadata store on top. Per key: per-broker dynamic >
 * cluster-default dynamic > static (server.properties / overrides) > Kafka default.
 *
 * Invariants:
 * - Keys the table (broker/config/config-defs.ts) marks `dynamic` are taken from the store, and
 *   keys it does not know (Kafka keeps them as custom configs; they have no effect). A stored key
 *   that is known but not dynamic, or whose value config.ts rejects, is left out with one
 *   warning per recompute; the broker keeps running (as Kafka ignores such configs found in
 *   ZooKeeper).
 * - Recomputed synchronously on every 'broker-config-changed' event, which the store emits
 *   before the write resolves, so a change is in effect before AlterConfigs is answered; and
 *   at construction, so persisted values apply from startup on.
 * - Updates are refused as Kafka 3.9 refuses them for BROKER resources (ConfigAdminManager's
 *   preprocessing): INVALID_REQUEST, for a key that is not dynamic as for an invalid value or a
 *   combination DynamicLogConfig refuses (log.local.retention.* beyond log.retention.*).
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import type { ClusterMetadataStore } from '../../coordinator/metadata-store';
import { BROKER_CONFIG_BY_KEY } from './config-defs';
import { ConfigError, withDynamicConfigs, type BrokerConfig } from './config';
import type { Logger } from '../logger';

type Layer = Readonly<Record<string, string>>;

/** A key AlterConfigs may set on a BROKER resource: dynamic in the table, or unknown to it. */
function isDynamicOrCustom(key: string): boolean {
  const def = BROKER_CONFIG_BY_KEY.get(key);
  return def === undefined || def.dynamic === true;
}

/**
 * Kafka's DynamicLogConfig.validateReconfiguration: with a time (size) retention, the local
 * retention must not be -1 nor above it; -2 means "as retention". Units: ms and bytes.
 */
function localRetentionRejection(config: BrokerConfig): string | undefined {
  const check = (key: string, retentionKey: string, retention: number, limited: boolean): string | undefined => {
    const local = Number(config.settings.get(key) ?? '-2');
    if (!limited || local === -2) return undefined;
    if (local === -1) return `Invalid value -1 for configuration ${key}: Value must not be -1 as ${retentionKey} value is set as ${retention}.`;
    if (local > retention) return `Invalid value ${local} for configuration ${key}: Value must not be more than ${retentionKey} property value: ${retention}`;
    return undefined;
  };
  return check('log.local.retention.ms', 'log.retention.ms', config.logRetentionMs, config.logRetentionMs !== -1)
    ?? check('log.local.retention.bytes', 'log.retention.bytes', config.logRetentionBytes, config.logRetentionBytes > -1);
}

export class DynamicBrokerConfig {
  private clusterDefault: Layer = {};
  private perBroker: Layer = {};
  private effective: BrokerConfig;

  constructor(
    readonly staticConfig: BrokerConfig,
    private readonly store: ClusterMetadataStore,
    private readonly brokerId: number,
    private readonly log: Logger,
  ) {
    this.effective = staticConfig;
    this.recompute();
    store.onChange((e) => {
      if (e.type === 'broker-config-changed') this.recompute();
    });
  }

  /** The effective broker settings now (a new object after each change; never mutated). */
  current(): BrokerConfig {
    return this.effective;
  }

  /** The usable stored dynamic configs of this broker (`perBroker`) or of the cluster default. */
  layer(perBroker: boolean): Layer {
    return perBroker ? this.perBroker : this.clusterDefault;
  }

  /**
   * Throws KafkaError(INVALID_REQUEST) unless `next` may replace the stored configs of this
   * broker (`perBroker`) or of the cluster default. A per-broker set is checked on top of the
   * cluster default; a cluster default alone (as every broker reads it) and under this
   * broker's set. Whatever passes here is also usable at recompute.
   */
  validate(perBroker: boolean, next: Layer): void {
    const nonDynamic = Object.keys(next).filter((k) => !isDynamicOrCustom(k));
    if (nonDynamic.length > 0) {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: Set(${nonDynamic.join(', ')})`);
    }
    const reason = perBroker
      ? this.rejection({ ...this.clusterDefault, ...next })
      : (this.rejection(next) ?? this.rejection({ ...next, ...this.perBroker }));
    if (reason !== undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, reason);
  }

  private recompute(): void {
    this.clusterDefault = this.usable(this.store.brokerConfigs(null), {}, 'cluster-default');
    this.perBroker = this.usable(this.store.brokerConfigs(this.brokerId), this.clusterDefault, `broker ${this.brokerId}`);
    this.effective = withDynamicConfigs(this.staticConfig, { ...this.clusterDefault, ...this.perBroker });
  }

  /**
   * The entries of `stored` that are dynamic and valid on top of `below`; warns about the rest.
   * A set that is valid as a whole is kept whole (keys may depend on each other); otherwise
   * entries are kept one by one while the result stays valid.
   */
  private usable(stored: Layer, below: Layer, scope: string): Layer {
    const candidates: Record<string, string> = {};
    for (const [key, value] of Object.entries(stored)) {
      if (isDynamicOrCustom(key)) candidates[key] = value;
      else this.ignore(scope, key, value, `${key} cannot be updated dynamically`);
    }
    if (this.rejection({ ...below, ...candidates }) === undefined) return Object.freeze(candidates);
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(candidates)) {
      const reason = this.rejection({ ...below, ...out, [key]: value });
      if (reason === undefined) out[key] = value;
      else this.ignore(scope, key, value, reason);
    }
    return Object.freeze(out);
  }

  /** Why `dynamic` over the static config is refused (config.ts, local retention), or undefined. */
  private rejection(dynamic: Layer): string | undefined {
    try {
      return localRetentionRejection(withDynamicConfigs(this.staticConfig, dynamic));
    } catch (e) {
      if (e instanceof ConfigError) return e.message;
      throw e;
    }
  }

  private ignore(scope: string, key: string, value: string, reason: string): void {
    const shown = BROKER_CONFIG_BY_KEY.get(key)?.sensitive === true ? '[hidden]' : value;
    this.log.warn({ key, scope }, `ignoring stored ${scope} dynamic config ${key}=${shown}: ${reason}`);
  }
}
