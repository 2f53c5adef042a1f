/**
 * ConfigAdmin: describes and alters topic and broker configs (DescribeConfigs, AlterConfigs,
 * IncrementalAlterConfigs), and computes each topic's effective LogConfig.
 *
 * Precedence (Kafka's): topic override > dynamic per-broker > dynamic cluster default >
 * static (server.properties / overrides) > Kafka default. Topic overrides and dynamic broker
 * configs live in the ClusterMetadataStore; static ones in BrokerConfig.explicit. Dynamic
 * broker configs are read through DynamicBrokerConfig, which leaves out stored keys that are
 * not dynamic or not valid, and which validates BROKER updates.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import type { LogConfig } from '../../storage/log-config';
import type { ClusterMetadataStore } from '../../coordinator/metadata-store';
import {
  ConfigSource,
  TOPIC_CONFIG_BY_KEY,
  resolveTopicConfigs,
  toLogConfig,
  validateTopicConfigs,
  type ConfigDef,
  type ConfigType,
  type ResolvedConfig,
} from '../../coordinator/topic-config';
import { BROKER_CONFIG_BY_KEY, BROKER_CONFIG_DEFS } from './config-defs';
import { configDocumentation } from './config-docs';
import type { DynamicBrokerConfig } from './dynamic-broker-config';

export enum ResourceType {
  UNKNOWN = 0,
  ANY = 1,
  TOPIC = 2,
  GROUP = 3,
  BROKER = 4,
  BROKER_LOGGER = 8,
}

export enum AlterOp {
  SET = 0,
  DELETE = 1,
  APPEND = 2,
  SUBTRACT = 3,
}

const CONFIG_TYPE_ID: Record<ConfigType, number> = { boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7, class: 8, password: 9 };

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

export interface AlterOpEntry {
  name: string;
  value: string | null;
  op: AlterOp;
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

  /** A broker-level value that is set somewhere other than Kafka's default, and where. */
  brokerValue(key: string): { value: string; source: ConfigSource } | undefined {
    return this.brokerSynonyms(key, false)[0];
  }

  /**
   * Where broker key `key` is set, highest precedence first: this broker's dynamic value, the
   * cluster-wide dynamic default, the static value (the last two only, for the cluster-default
   * resource ""). Kafka's default is not included.
   */
  private brokerSynonyms(key: string, clusterDefaultOnly: boolean): { name: string; value: string; source: ConfigSource }[] {
    const out: { name: string; value: string; source: ConfigSource }[] = [];
    const perBroker = clusterDefaultOnly ? undefined : this.dynamic.layer(true)[key];
    if (perBroker !== undefined) out.push({ name: key, value: perBroker, source: ConfigSource.DYNAMIC_BROKER_CONFIG });
    const clusterDefault = this.dynamic.layer(false)[key];
    if (clusterDefault !== undefined) out.push({ name: key, value: clusterDefault, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    const stat = clusterDefaultOnly ? undefined : this.dynamic.staticConfig.explicit.get(key);
    if (stat !== undefined) out.push({ name: key, value: stat, source: ConfigSource.STATIC_BROKER_CONFIG });
    return out;
  }

  resolveTopic(overrides: Readonly<Record<string, string>>): ResolvedConfig[] {
    return resolveTopicConfigs(overrides, (k) => this.brokerValue(k));
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

  describe(resourceType: number, name: string, keys: readonly string[] | null, includeSynonyms: boolean, includeDocs = false): DescribedConfig[] {
    const want = (k: string): boolean => keys === null || keys.length === 0 || keys.includes(k);
    if (resourceType === ResourceType.TOPIC) {
      const t = this.store.topic(name);
      if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
      return this.resolveTopic(t.configs)
        .filter((r) => want(r.key))
        .map((r) => {
          const def = TOPIC_CONFIG_BY_KEY.get(r.key)!;
          return {
            name: r.key,
            value: def.sensitive ? null : r.value,
            readOnly: false,
            isDefault: r.source === ConfigSource.DEFAULT_CONFIG,
            configSource: r.source,
            isSensitive: def.sensitive === true,
            synonyms: includeSynonyms ? r.synonyms.map((s) => ({ name: s.key, value: def.sensitive ? null : s.value, source: s.source })) : [],
            configType: CONFIG_TYPE_ID[def.type],
            documentation: includeDocs ? configDocumentation('topic', r.key) : null,
          };
        });
    }
    if (resourceType === ResourceType.BROKER) {
      this.checkBrokerName(name);
      return BROKER_CONFIG_DEFS.filter((d) => want(d.key)).map((d) => this.describeBrokerKey(d, name === '', includeSynonyms, includeDocs));
    }
    if (resourceType === ResourceType.BROKER_LOGGER) {
      this.checkBrokerName(name);
      return [];
    }
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${resourceType}`);
  }

  private describeBrokerKey(d: ConfigDef, clusterDefaultOnly: boolean, includeSynonyms: boolean, includeDocs: boolean): DescribedConfig {
    const synonyms: DescribedConfig['synonyms'] = this.brokerSynonyms(d.key, clusterDefaultOnly);
    if (d.default !== null) synonyms.push({ name: d.key, value: d.default, source: ConfigSource.DEFAULT_CONFIG });
    const first = synonyms[0];
    const hide = (v: string | null): string | null => (d.sensitive ? null : v);
    return {
      name: d.key,
      value: hide(first?.value ?? null),
      readOnly: d.dynamic !== true,
      isDefault: !first || first.source === ConfigSource.DEFAULT_CONFIG,
      configSource: first?.source ?? ConfigSource.DEFAULT_CONFIG,
      isSensitive: d.sensitive === true,
      synonyms: includeSynonyms ? synonyms.map((s) => ({ ...s, value: hide(s.value) })) : [],
      configType: CONFIG_TYPE_ID[d.type],
      documentation: includeDocs ? configDocumentation('broker', d.key) : null,
    };
  }

  private checkBrokerName(name: string): void {
    if (name !== '' && name !== String(this.brokerId)) {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${this.brokerId} or empty string, but received ${name}`);
    }
  }

  /**
   * AlterConfigs (replace all) when `incremental` is false, IncrementalAlterConfigs otherwise.
   * Validates everything first; writes nothing when validateOnly.
   */
  async alter(resourceType: number, name: string, entries: readonly AlterOpEntry[], incremental: boolean, validateOnly: boolean): Promise<void> {
    if (resourceType === ResourceType.TOPIC) {
      const t = this.store.topic(name);
      if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
      const next = applyOps(incremental ? { ...t.configs } : {}, entries, incremental, (k) => TOPIC_CONFIG_BY_KEY.get(k), this.resolveTopic(t.configs));
      const validated = validateTopicConfigs(next);
      if (validateOnly) return;
      await this.store.setTopicConfigs(name, validated);
      this.onTopicConfigChange?.(name, this.logConfigFor(validated));
      return;
    }
    if (resourceType === ResourceType.BROKER) {
      this.checkBrokerName(name);
      const perBroker = name !== '';
      // Incremental changes start from the usable stored set, so stale entries are dropped.
      const current = this.dynamic.layer(perBroker);
      const next = applyOps(incremental ? { ...current } : {}, entries, incremental, (k) => BROKER_CONFIG_BY_KEY.get(k), null);
      this.dynamic.validate(perBroker, next);
      if (validateOnly) return;
      await this.store.setBrokerConfigs(perBroker ? this.brokerId : null, next);
      for (const t of this.store.topics()) this.onTopicConfigChange?.(t.name, this.logConfigFor(t.configs));
      return;
    }
    if (resourceType === ResourceType.BROKER_LOGGER) {
      this.checkBrokerName(name);
      return;
    }
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${resourceType}`);
  }
}

function applyOps(
  base: Record<string, string>,
  entries: readonly AlterOpEntry[],
  incremental: boolean,
  defOf: (k: string) => ConfigDef | undefined,
  resolved: readonly ResolvedConfig[] | null,
): Record<string, string> {
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.name)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${e.name}`);
    seen.add(e.name);
    if (e.value === null && (!incremental || e.op !== AlterOp.DELETE)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${e.name}`);
    const def = defOf(e.name);
    if (!def) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown config name: ${e.name}`);
    if (!incremental || e.op === AlterOp.SET) {
      base[e.name] = e.value!;
      continue;
    }
    if (e.op === AlterOp.DELETE) {
      delete base[e.name];
      continue;
    }
    if (e.op !== AlterOp.APPEND && e.op !== AlterOp.SUBTRACT) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown config operation ${e.op}`);
    if (def.type !== 'list') throw new KafkaError(ErrorCode.INVALID_CONFIG, `Config value append is not allowed for config key: ${e.name}`);
    const current = base[e.name] ?? resolved?.find((r) => r.key === e.name)?.value ?? def.default ?? '';
    const items = current.split(',').map((s) => s.trim()).filter(Boolean);
    const values = (e.value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const next = e.op === AlterOp.APPEND ? [...items, ...values.filter((v) => !items.includes(v))] : items.filter((i) => !values.includes(i));
    base[e.name] = next.join(',');
  }
  return base;
}
