/**
 * ConfigAdmin: describes and alters topic and broker configs (DescribeConfigs, AlterConfigs,
 * IncrementalAlterConfigs), and computes each topic's effective LogConfig.
 *
 * Precedence (Kafka's): topic override > dynamic per-broker > dynamic cluster default >
 * static (server.properties / overrides) > Kafka default. Topic overrides and dynamic broker
 * configs live in the ClusterMetadataStore; static ones in BrokerConfig.explicit. Dynamic
 * broker configs are read through DynamicBrokerConfig, which leaves out stored keys that are
 * not dynamic or not valid, and which validates BROKER updates.
 *
 * Answers follow Kafka 3.9's ZooKeeper mode: ConfigHelper (describe), ConfigAdminManager.preprocess
 * and ZkAdminManager (alter). Synonyms are listed as ConfigHelper.configSynonyms lists them
 * (brokerSynonyms in coordinator/topic-config.ts).
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import type { LogConfig } from '../../storage/log-config';
import type { ClusterMetadataStore } from '../../coordinator/metadata-store';
import {
  ConfigSource,
  TOPIC_CONFIG_BY_KEY,
  brokerSynonyms,
  resolveTopicConfigs,
  toLogConfig,
  validateTopicConfigs,
  type ConfigDef,
  type ConfigSynonym,
  type ConfigType,
  type ResolvedConfig,
} from '../../coordinator/topic-config';
import { validateTopicName } from '../metadata/topic-admin';
import { BROKER_CONFIG_BY_KEY, BROKER_CONFIG_DEFS } from './config-defs';
import { configDocumentation } from './config-docs';
import type { DynamicBrokerConfig } from './dynamic-broker-config';
import { AlterOp, applyOps, checkEntries, parseBrokerId, type AlterOpEntry } from './alter-ops';
import { applyLoggerOps, validateLoggerOps, type RuntimeLoggers } from './broker-loggers';

export { AlterOp, type AlterOpEntry };

export enum ResourceType {
  UNKNOWN = 0,
  ANY = 1,
  TOPIC = 2,
  GROUP = 3,
  BROKER = 4,
  BROKER_LOGGER = 8,
  CLIENT_METRICS = 16,
}

/** The resource types DescribeConfigs serves; any other fails the whole request (as Kafka's). */
export const DESCRIBABLE_RESOURCE_TYPES: ReadonlySet<number> = new Set([ResourceType.TOPIC, ResourceType.BROKER, ResourceType.BROKER_LOGGER, ResourceType.CLIENT_METRICS]);

/** Kafka's ConfigResource.Type name of a resource type id (UNKNOWN for any other id). */
export function resourceTypeName(id: number): string {
  return ({ 2: 'TOPIC', 4: 'BROKER', 8: 'BROKER_LOGGER', 16: 'CLIENT_METRICS' } as Record<number, string>)[id] ?? 'UNKNOWN';
}

/** DescribeConfigs ConfigType ids; 0 (UNKNOWN) for keys Gregor's tables do not have. */
const CONFIG_TYPE_ID: Record<ConfigType, number> = { boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7, class: 8, password: 9 };

/** A resource error answered without a message (Kafka sets none for an unknown topic here). */
export class SilentConfigError extends KafkaError {}

export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
  configType: number;
  documentation: string | null;
}

/** Kafka's broker synonym groups (DynamicBrokerConfig.brokerConfigSynonyms): one setting under several keys. */
function brokerSynonymGroup(key: string): readonly string[] {
  if (key === 'log.roll.ms' || key === 'log.roll.hours') return ['log.roll.ms', 'log.roll.hours'];
  if (key === 'log.roll.jitter.ms' || key === 'log.roll.jitter.hours') return ['log.roll.jitter.ms', 'log.roll.jitter.hours'];
  if (key === 'log.flush.interval.ms') return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
  if (key === 'log.retention.ms' || key === 'log.retention.minutes' || key === 'log.retention.hours') return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
  return [key];
}

/** Kafka treats a key whose type it cannot tell as sensitive (KafkaConfig.maybeSensitive). */
function isSensitive(def: ConfigDef | undefined): boolean {
  return def === undefined || def.sensitive === true || def.type === 'password';
}

export class ConfigAdmin {
  /** Called after a topic's effective config changed (apply to its logs). */
  onTopicConfigChange: ((topic: string, config: LogConfig) => void) | undefined;

  /** topic -> key -> effective numeric value; cleared on any config or topic change. */
  private readonly intCache = new Map<string, Map<string, number>>();

  constructor(
    private readonly dynamic: DynamicBrokerConfig,
    private readonly store: ClusterMetadataStore,
    private readonly brokerId: number,
  ) {
    store.onChange((e) => {
      if (e.type !== 'broker-changed' && e.type !== 'controller-changed' && e.type !== 'session') this.intCache.clear();
    });
  }

  /** The broker's runtime loggers (BROKER_LOGGER resources); none until wired. */
  loggers: RuntimeLoggers | undefined;

  /**
   * Every level at which broker key `key` is set, highest first (dynamic per-broker, dynamic
   * cluster default, static), then Kafka's default when it is not null.
   */
  brokerSettings(key: string): { value: string; source: ConfigSource }[] {
    const out: { value: string; source: ConfigSource }[] = [];
    const perBroker = this.dynamic.layer(true)[key];
    if (perBroker !== undefined) out.push({ value: perBroker, source: ConfigSource.DYNAMIC_BROKER_CONFIG });
    const clusterDefault = this.dynamic.layer(false)[key];
    if (clusterDefault !== undefined) out.push({ value: clusterDefault, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    const stat = this.dynamic.staticConfig.explicit.get(key);
    if (stat !== undefined) out.push({ value: stat, source: ConfigSource.STATIC_BROKER_CONFIG });
    const def = BROKER_CONFIG_BY_KEY.get(key)?.default;
    if (def !== undefined && def !== null) out.push({ value: def, source: ConfigSource.DEFAULT_CONFIG });
    return out;
  }

  /** The effective raw value of broker key `key`, undefined when no level sets it. */
  private brokerValue(key: string): string | undefined {
    return this.brokerSettings(key).find((s) => s.source !== ConfigSource.DEFAULT_CONFIG)?.value;
  }

  resolveTopic(overrides: Readonly<Record<string, string>>): ResolvedConfig[] {
    return resolveTopicConfigs(overrides, (k) => this.brokerSettings(k));
  }

  /** Topic overrides validated alone and combined with the broker defaults (INVALID_CONFIG). */
  validateTopic(configs: Readonly<Record<string, string | null>>): Record<string, string> {
    return validateTopicConfigs(configs, (k) => this.brokerValue(k));
  }

  logConfigFor(overrides: Readonly<Record<string, string>>): LogConfig {
    return toLogConfig(this.resolveTopic(overrides));
  }

  /** Effective numeric topic config (e.g. min.insync.replicas) of an existing topic. */
  topicInt(topic: string, key: string): number {
    let byKey = this.intCache.get(topic);
    const cached = byKey?.get(key);
    if (cached !== undefined) return cached;
    const t = this.store.topic(topic);
    const r = this.resolveTopic(t?.configs ?? {}).find((c) => c.key === key);
    const v = Number(r?.value ?? TOPIC_CONFIG_BY_KEY.get(key)?.default ?? 0);
    if (t) {
      if (!byKey) this.intCache.set(topic, (byKey = new Map()));
      byKey.set(key, v);
    }
    return v;
  }

  /** One DescribeConfigs resource (Kafka's ConfigHelper.describeConfigs). */
  describe(resourceType: number, name: string, keys: readonly string[] | null, includeSynonyms: boolean, includeDocs = false): DescribedConfig[] {
    const want = (k: string): boolean => keys === null || keys.length === 0 || keys.includes(k);
    switch (resourceType) {
      case ResourceType.TOPIC: {
        validateTopicName(name);
        const t = this.store.topic(name);
        if (!t) throw new SilentConfigError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        return this.resolveTopic(t.configs).filter((r) => want(r.key)).map((r) => this.describeTopicKey(r, includeSynonyms, includeDocs));
      }
      case ResourceType.BROKER: {
        if (name === '') return this.describeBrokerKeys(Object.keys(this.dynamic.layer(false)).filter(want), false, includeSynonyms, includeDocs);
        if (parseBrokerId(name, 'Broker id') !== this.brokerId) {
          throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${this.brokerId} or empty string, but received ${name}`);
        }
        return this.describeBrokerKeys(this.perBrokerKeys().filter(want), true, includeSynonyms, includeDocs);
      }
      case ResourceType.BROKER_LOGGER: {
        if (name === '') throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Broker id must not be empty');
        if (parseBrokerId(name, 'Broker id') !== this.brokerId) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${this.brokerId} but received ${name}`);
        return [...(this.loggers?.levels() ?? new Map<string, string>())].filter(([k]) => want(k)).map(([logger, level]) => ({
          name: logger, value: level, readOnly: false, isDefault: false, configSource: ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG,
          isSensitive: false, synonyms: [], configType: 0, documentation: null,
        }));
      }
      case ResourceType.CLIENT_METRICS:
        if (name === '') throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Client metrics subscription name must not be empty');
        throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Config type client-metrics is only supported on KRaft clusters');
      default:
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${resourceTypeName(resourceType)}`);
    }
  }

  private describeTopicKey(r: ResolvedConfig, includeSynonyms: boolean, includeDocs: boolean): DescribedConfig {
    const def = TOPIC_CONFIG_BY_KEY.get(r.key)!;
    const hide = (v: string | null): string | null => (isSensitive(def) ? null : v);
    return {
      name: r.key,
      value: hide(r.value),
      readOnly: false,
      isDefault: r.source === ConfigSource.DEFAULT_CONFIG,
      configSource: r.source,
      isSensitive: isSensitive(def),
      synonyms: includeSynonyms ? r.synonyms.map((s) => ({ name: s.key, value: hide(s.value), source: s.source })) : [],
      configType: CONFIG_TYPE_ID[def.type],
      documentation: includeDocs ? configDocumentation('topic', r.key) : null,
    };
  }

  /** This broker's keys: the table's, then keys it does not know set at some level (Kafka's custom configs). */
  private perBrokerKeys(): string[] {
    const custom = new Set([...this.dynamic.staticConfig.explicit.keys(), ...Object.keys(this.dynamic.layer(false)), ...Object.keys(this.dynamic.layer(true))]);
    return [...BROKER_CONFIG_DEFS.map((d) => d.key), ...[...custom].filter((k) => !BROKER_CONFIG_BY_KEY.has(k)).sort()];
  }

  /**
   * `perBroker` false is the cluster-default resource "": only keys set there, and only their
   * DYNAMIC_DEFAULT_BROKER_CONFIG synonyms (Kafka's createBrokerConfigEntry).
   */
  private describeBrokerKeys(keys: readonly string[], perBroker: boolean, includeSynonyms: boolean, includeDocs: boolean): DescribedConfig[] {
    return keys.map((key) => {
      const def = BROKER_CONFIG_BY_KEY.get(key);
      const sensitive = isSensitive(def);
      const all: ConfigSynonym[] = brokerSynonyms(key, brokerSynonymGroup(key), (k) => this.brokerSettings(k))
        .filter((s) => perBroker || s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
      const own = perBroker ? (this.brokerValue(key) ?? def?.default ?? null) : (this.dynamic.layer(false)[key] ?? null);
      const first = all[0];
      return {
        name: key,
        value: sensitive ? null : own,
        readOnly: def?.dynamic !== true,
        isDefault: !first || first.source === ConfigSource.DEFAULT_CONFIG,
        configSource: first?.source ?? ConfigSource.DEFAULT_CONFIG,
        isSensitive: sensitive,
        synonyms: includeSynonyms ? all.map((s) => ({ name: s.key, value: sensitive ? null : s.value, source: s.source })) : [],
        configType: def ? CONFIG_TYPE_ID[def.type] : 0,
        documentation: includeDocs ? configDocumentation('broker', key) : null,
      };
    });
  }

  /**
   * AlterConfigs (replace all) when `incremental` is false, IncrementalAlterConfigs otherwise, for
   * one resource the request lists once (the handler answers repeated ones). Validates everything
   * first; writes nothing when validateOnly.
   */
  async alter(resourceType: number, name: string, entries: readonly AlterOpEntry[], incremental: boolean, validateOnly: boolean): Promise<void> {
    checkEntries(entries, incremental);
    switch (resourceType) {
      case ResourceType.TOPIC:
        return this.alterTopic(name, entries, incremental, validateOnly);
      case ResourceType.BROKER:
        return this.alterBroker(name, entries, incremental, validateOnly);
      case ResourceType.BROKER_LOGGER:
        if (!incremental) break;
        // RuntimeLoggerManager's own id check; its message repeats the expected id, as Kafka 3.9's does.
        if (parseBrokerId(name, 'Node id') !== this.brokerId) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unexpected node id. Expected ${this.brokerId}, but received ${this.brokerId}`);
        validateLoggerOps(entries, this.loggers);
        if (!validateOnly && this.loggers) applyLoggerOps(entries, this.loggers);
        return;
      case ResourceType.CLIENT_METRICS:
        throw new KafkaError(ErrorCode.INVALID_REQUEST, 'AlterConfigs is only supported for topics and brokers, but resource type is CLIENT_METRICS');
      default:
    }
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown resource type ${resourceType}`);
  }

  /** ZkAdminManager's topic path: incremental operations apply before the topic must exist. */
  private async alterTopic(name: string, entries: readonly AlterOpEntry[], incremental: boolean, validateOnly: boolean): Promise<void> {
    if (name === '') throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.');
    const t = this.store.topic(name);
    const next = incremental
      ? applyOps({ ...(t?.configs ?? {}) }, entries, (k) => TOPIC_CONFIG_BY_KEY.get(k))
      : Object.fromEntries(entries.map((e) => [e.name, e.value!]));
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    const validated = this.validateTopic(next);
    if (validateOnly) return;
    await this.store.setTopicConfigs(name, validated);
    this.onTopicConfigChange?.(name, this.logConfigFor(validated));
  }

  /** ConfigAdminManager's BROKER preprocessing (INVALID_REQUEST), then the write. */
  private async alterBroker(name: string, entries: readonly AlterOpEntry[], incremental: boolean, validateOnly: boolean): Promise<void> {
    const perBroker = name !== '';
    if (perBroker && parseBrokerId(name, 'Node id') !== this.brokerId) {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${this.brokerId}, but received ${name}`);
    }
    // Incremental changes start from the usable stored set, so stale entries are dropped.
    const next = incremental
      ? applyOps({ ...this.dynamic.layer(perBroker) }, entries, (k) => BROKER_CONFIG_BY_KEY.get(k))
      : Object.fromEntries(entries.map((e) => [e.name, e.value!]));
    this.dynamic.validate(perBroker, next);
    if (validateOnly) return;
    await this.store.setBrokerConfigs(perBroker ? this.brokerId : null, next);
    for (const t of this.store.topics()) this.onTopicConfigChange?.(t.name, this.logConfigFor(t.configs));
  }
}
