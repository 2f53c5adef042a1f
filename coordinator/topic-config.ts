/**
 * Topic-level configuration: Kafka 3.9's topic config keys, their broker synonyms, validation,
 * and the conversion of a topic's effective configs to storage's LogConfig.
 *
 * Values are kept as Kafka's strings (what DescribeConfigs returns). A topic's stored overrides
 * hold only keys set explicitly (CreateTopics configs / AlterConfigs); the effective value of an
 * unset key comes from its broker synonym, then from Kafka's default.
 */
import { ErrorCode, KafkaError } from '../protocol/errors';
import type { CompressionTypeName, LogConfig } from '../storage/log-config';

export type ConfigType = 'int' | 'short' | 'long' | 'double' | 'boolean' | 'string' | 'list' | 'password' | 'class';

export interface ConfigDef {
  readonly key: string;
  readonly type: ConfigType;
  /** Kafka's default as a string; null when Kafka has no default. */
  readonly default: string | null;
  /** Inclusive numeric bounds, for int/short/long/double. */
  readonly min?: number;
  readonly max?: number;
  /** Allowed values for strings, or for each element of a list. */
  readonly oneOf?: readonly string[];
  /** Numbers inside [min, max] that are still not allowed (gzip level 0), except the default. */
  readonly except?: readonly number[];
  /** Accepted for compatibility; Gregor does not use the value. */
  readonly ignored?: boolean;
  /** Can be changed at runtime with AlterConfigs. */
  readonly dynamic?: boolean;
  readonly sensitive?: boolean;
}

export type ConfigValue = number | boolean | string | readonly string[] | null;

const RANGES: Record<string, [number, number]> = {
  int: [-2147483648, 2147483647],
  short: [-32768, 32767],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** Long.MAX_VALUE parses to Number.MAX_SAFE_INTEGER (both mean "unbounded" for ms/byte limits). */
const LONG_MAX_STR = '9223372036854775807';

/** What values `def` allows, for error messages. */
export function describeAllowed(def: ConfigDef): string {
  if (def.oneOf) return `${def.type === 'list' ? 'a comma-separated list of ' : 'one of '}${def.oneOf.join(', ')}`;
  if (def.type === 'boolean') return 'true or false';
  if (def.type in RANGES || def.type === 'double') {
    const [lo, hi] = RANGES[def.type] ?? [-Infinity, Infinity];
    const min = def.min ?? lo;
    const max = def.max ?? hi;
    const except = def.except?.length ? `, except ${def.except.join(', ')}` : '';
    return `${def.type === 'double' ? 'a number' : `an ${def.type}`}${Number.isFinite(min) ? ` >= ${min}` : ''}${Number.isFinite(max) && def.max !== undefined ? ` and <= ${max}` : ''}${except}`;
  }
  return `a ${def.type}`;
}

/**
 * Parses one raw string for `def`. Returns the typed value or an error string saying what is allowed.
 * `null` raw means "no value" and is allowed only when Kafka's default is null.
 */
export function parseConfigValue(def: ConfigDef, raw: string | null): { value: ConfigValue } | { error: string } {
  if (raw === null) return def.default === null ? { value: null } : parseConfigValue(def, def.default);
  const s = raw.trim();
  const bad = (): { error: string } => ({ error: `${def.key}: invalid value '${raw}'; allowed is ${describeAllowed(def)}` });
  switch (def.type) {
    case 'int':
    case 'short':
    case 'long': {
      if (def.type === 'long' && s === LONG_MAX_STR) return { value: Number.MAX_SAFE_INTEGER };
      if (!/^-?\d+$/.test(s)) return bad();
      const n = Number(s);
      const [lo, hi] = RANGES[def.type]!;
      if (n < lo || n > hi) return bad();
      if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) return bad();
      if (def.except?.includes(n)) return bad();
      return { value: n };
    }
    case 'double': {
      const n = Number(s);
      if (s === '' || !Number.isFinite(n)) return bad();
      if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) return bad();
      return { value: n };
    }
    case 'boolean': {
      const l = s.toLowerCase();
      if (l === 'true') return { value: true };
      if (l === 'false') return { value: false };
      return bad();
    }
    case 'list': {
      const items = s === '' ? [] : s.split(',').map((x) => x.trim()).filter((x) => x !== '');
      if (def.oneOf && items.some((x) => !def.oneOf!.includes(x))) return bad();
      return { value: Object.freeze(items) };
    }
    default:
      if (def.oneOf && !def.oneOf.includes(s)) return bad();
      return { value: s };
  }
}

/**
 * KIP-390 codec levels, the same key at topic and broker level. Kafka's ranges: gzip 1-9 or -1
 * (zlib's default), lz4 1-17, zstd -131072 to 22.
 */
export const COMPRESSION_LEVEL_DEFS: readonly ConfigDef[] = [
  Object.freeze({ key: 'compression.gzip.level', type: 'int', default: '-1', min: -1, max: 9, except: [0] }),
  Object.freeze({ key: 'compression.lz4.level', type: 'int', default: '9', min: 1, max: 17 }),
  Object.freeze({ key: 'compression.zstd.level', type: 'int', default: '3', min: -131072, max: 22 }),
];

const t = (key: string, type: ConfigType, def: string | null, extra: Partial<ConfigDef> = {}): ConfigDef =>
  Object.freeze({ key, type, default: def, dynamic: true, ...extra });

/**
 * Topic configs of Kafka 3.9 (LogConfig), with the broker defaults applying when unset. `ignored`
 * marks the keys Gregor validates and stores but does not act on (its docs say so); the
 * tiered-storage switches are accepted only as false (validateTopicConfigs).
 */
export const TOPIC_CONFIG_DEFS: readonly ConfigDef[] = [
  t('cleanup.policy', 'list', 'delete', { oneOf: ['compact', 'delete'] }),
  t('compression.type', 'string', 'producer', { oneOf: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] }),
  ...COMPRESSION_LEVEL_DEFS.map((def) => Object.freeze({ ...def, dynamic: true })),
  t('delete.retention.ms', 'long', '86400000', { min: 0 }),
  t('file.delete.delay.ms', 'long', '60000', { min: 0 }),
  t('flush.messages', 'long', LONG_MAX_STR, { min: 1 }),
  t('flush.ms', 'long', LONG_MAX_STR, { min: 0 }),
  t('follower.replication.throttled.replicas', 'list', '', { ignored: true }),
  t('index.interval.bytes', 'int', '4096', { min: 0 }),
  t('leader.replication.throttled.replicas', 'list', '', { ignored: true }),
  t('local.retention.bytes', 'long', '-2', { min: -2, ignored: true }),
  t('local.retention.ms', 'long', '-2', { min: -2, ignored: true }),
  t('max.compaction.lag.ms', 'long', LONG_MAX_STR, { min: 1 }),
  t('max.message.bytes', 'int', '1048588', { min: 0 }),
  t('message.downconversion.enable', 'boolean', 'true'),
  t('message.format.version', 'string', '3.0-IV1', { ignored: true }),
  t('message.timestamp.after.max.ms', 'long', LONG_MAX_STR, { min: 0 }),
  t('message.timestamp.before.max.ms', 'long', LONG_MAX_STR, { min: 0 }),
  t('message.timestamp.difference.max.ms', 'long', LONG_MAX_STR, { min: 0 }),
  t('message.timestamp.type', 'string', 'CreateTime', { oneOf: ['CreateTime', 'LogAppendTime'] }),
  t('min.cleanable.dirty.ratio', 'double', '0.5', { min: 0, max: 1 }),
  t('min.compaction.lag.ms', 'long', '0', { min: 0 }),
  t('min.insync.replicas', 'int', '1', { min: 1 }),
  t('preallocate', 'boolean', 'false', { ignored: true }),
  t('remote.log.copy.disable', 'boolean', 'false', { ignored: true }),
  t('remote.log.delete.on.disable', 'boolean', 'false', { ignored: true }),
  t('remote.storage.enable', 'boolean', 'false', { ignored: true }),
  t('retention.bytes', 'long', '-1'),
  t('retention.ms', 'long', '604800000', { min: -1 }),
  t('segment.bytes', 'int', '1073741824', { min: 14 }),
  t('segment.index.bytes', 'int', '10485760', { min: 4 }),
  t('segment.jitter.ms', 'long', '0', { min: 0 }),
  t('segment.ms', 'long', '604800000', { min: 1 }),
  t('unclean.leader.election.enable', 'boolean', 'false'),
];

export const TOPIC_CONFIG_BY_KEY: ReadonlyMap<string, ConfigDef> = new Map(TOPIC_CONFIG_DEFS.map((c) => [c.key, c]));

/**
 * Broker keys that supply a topic key's value when the topic does not set it, most specific first
 * (Kafka's ServerTopicConfigSynonyms order). A `scale` converts the broker unit to the topic unit
 * (hours -> ms). Each list is also the broker-side synonym group of its first key (Kafka's
 * DynamicBrokerConfig.brokerConfigSynonyms). Keys absent here have no broker default.
 */
export const TOPIC_SYNONYMS: Readonly<Record<string, readonly { key: string; scale?: number }[]>> = {
  'cleanup.policy': [{ key: 'log.cleanup.policy' }],
  'compression.type': [{ key: 'compression.type' }],
  'compression.gzip.level': [{ key: 'compression.gzip.level' }],
  'compression.lz4.level': [{ key: 'compression.lz4.level' }],
  'compression.zstd.level': [{ key: 'compression.zstd.level' }],
  'delete.retention.ms': [{ key: 'log.cleaner.delete.retention.ms' }],
  'file.delete.delay.ms': [{ key: 'log.segment.delete.delay.ms' }],
  'flush.messages': [{ key: 'log.flush.interval.messages' }],
  'flush.ms': [{ key: 'log.flush.interval.ms' }, { key: 'log.flush.scheduler.interval.ms' }],
  'index.interval.bytes': [{ key: 'log.index.interval.bytes' }],
  'local.retention.bytes': [{ key: 'log.local.retention.bytes' }],
  'local.retention.ms': [{ key: 'log.local.retention.ms' }],
  'max.compaction.lag.ms': [{ key: 'log.cleaner.max.compaction.lag.ms' }],
  'max.message.bytes': [{ key: 'message.max.bytes' }],
  'message.downconversion.enable': [{ key: 'log.message.downconversion.enable' }],
  'message.format.version': [{ key: 'log.message.format.version' }],
  'message.timestamp.after.max.ms': [{ key: 'log.message.timestamp.after.max.ms' }],
  'message.timestamp.before.max.ms': [{ key: 'log.message.timestamp.before.max.ms' }],
  'message.timestamp.difference.max.ms': [{ key: 'log.message.timestamp.difference.max.ms' }],
  'message.timestamp.type': [{ key: 'log.message.timestamp.type' }],
  'min.cleanable.dirty.ratio': [{ key: 'log.cleaner.min.cleanable.ratio' }],
  'min.compaction.lag.ms': [{ key: 'log.cleaner.min.compaction.lag.ms' }],
  'min.insync.replicas': [{ key: 'min.insync.replicas' }],
  preallocate: [{ key: 'log.preallocate' }],
  'retention.bytes': [{ key: 'log.retention.bytes' }],
  'retention.ms': [{ key: 'log.retention.ms' }, { key: 'log.retention.minutes', scale: 60_000 }, { key: 'log.retention.hours', scale: 3_600_000 }],
  'segment.bytes': [{ key: 'log.segment.bytes' }],
  'segment.index.bytes': [{ key: 'log.index.size.max.bytes' }],
  'segment.jitter.ms': [{ key: 'log.roll.jitter.ms' }, { key: 'log.roll.jitter.hours', scale: 3_600_000 }],
  'segment.ms': [{ key: 'log.roll.ms' }, { key: 'log.roll.hours', scale: 3_600_000 }],
  'unclean.leader.election.enable': [{ key: 'unclean.leader.election.enable' }],
};

/**
 * Validates topic config overrides (CreateTopics / AlterConfigs) as Kafka 3.9's ZooKeeper mode
 * does (LogConfig.validate): names and values one by one, then the effective combination with the
 * broker defaults (`brokerValue`: the effective raw value of a broker key, undefined when unset).
 * Throws KafkaError(INVALID_CONFIG) naming the key, the value and what is allowed.
 */
export function validateTopicConfigs(
  configs: Readonly<Record<string, string | null>>,
  brokerValue: (brokerKey: string) => string | undefined = () => undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(configs)) {
    const def = TOPIC_CONFIG_BY_KEY.get(key);
    if (!def) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${key}`);
    if (raw === null) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${key}`);
    const r = parseConfigValue(def, raw);
    if ('error' in r) throw new KafkaError(ErrorCode.INVALID_CONFIG, r.error);
    out[key] = raw.trim();
  }
  validateCombination(resolveTopicConfigs(out, (k) => {
    const v = brokerValue(k);
    return v === undefined ? [] : [{ value: v, source: ConfigSource.STATIC_BROKER_CONFIG }];
  }));
  return out;
}

/**
 * Kafka's checks across keys of a topic's effective config (validateValues, then the ZooKeeper-mode
 * and tiered-storage checks of validateTopicLogConfigValues). Gregor has no tiered storage, as a
 * Kafka broker with remote.log.storage.system.enable=false, so remote storage is refused and the
 * remote retention checks behind it never apply.
 */
function validateCombination(resolved: readonly ResolvedConfig[]): void {
  const raw = (k: string): string => resolved.find((r) => r.key === k)?.value ?? TOPIC_CONFIG_BY_KEY.get(k)!.default!;
  const minLag = typedTopicValue(resolved, 'min.compaction.lag.ms') as number;
  const maxLag = typedTopicValue(resolved, 'max.compaction.lag.ms') as number;
  if (minLag > maxLag) {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, `conflict topic config setting min.compaction.lag.ms (${raw('min.compaction.lag.ms')}) > max.compaction.lag.ms (${raw('max.compaction.lag.ms')})`);
  }
  if (typedTopicValue(resolved, 'remote.log.delete.on.disable') === true || typedTopicValue(resolved, 'remote.log.copy.disable') === true) {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, 'It is invalid to set `remote.log.delete.on.disable` or `remote.log.copy.disable` under Zookeeper\'s mode.');
  }
  if (typedTopicValue(resolved, 'remote.storage.enable') === true) {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, 'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.');
  }
}

/** Where an effective topic config value came from (DescribeConfigs ConfigSource). */
export enum ConfigSource {
  UNKNOWN = 0,
  DYNAMIC_TOPIC_CONFIG = 1,
  DYNAMIC_BROKER_CONFIG = 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG = 3,
  STATIC_BROKER_CONFIG = 4,
  DEFAULT_CONFIG = 5,
  DYNAMIC_BROKER_LOGGER_CONFIG = 6,
  CLIENT_METRICS_CONFIG = 7,
}

/** One level at which a config is set (a DescribeConfigs synonym). */
export interface ConfigSynonym {
  key: string;
  value: string | null;
  source: ConfigSource;
}

export interface ResolvedConfig {
  key: string;
  value: string | null;
  source: ConfigSource;
  synonyms: ConfigSynonym[];
}

/**
 * Every level at which broker key `key` has a value, highest precedence first: dynamic per-broker,
 * dynamic cluster default, static, and last DEFAULT_CONFIG when Kafka's default is not null.
 */
export type BrokerSettings = (key: string) => readonly { value: string; source: ConfigSource }[];

const SYNONYM_LEVELS = [
  ConfigSource.DYNAMIC_BROKER_CONFIG,
  ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
  ConfigSource.STATIC_BROKER_CONFIG,
  ConfigSource.DEFAULT_CONFIG,
];

/**
 * The synonyms DescribeConfigs lists for broker key `name` whose synonym group is `group` (name and
 * its alternatives, e.g. log.retention.ms / .minutes / .hours), as Kafka's ConfigHelper does:
 * level by level (SYNONYM_LEVELS), each level in group order, and nothing before the first entry
 * of `name` itself. So an unset key with a null default lists none, even when a lower synonym is set.
 */
export function brokerSynonyms(name: string, group: readonly string[], settings: BrokerSettings): ConfigSynonym[] {
  const all: ConfigSynonym[] = [];
  for (const level of SYNONYM_LEVELS) {
    for (const key of group) {
      for (const s of settings(key)) if (s.source === level) all.push({ key, value: s.value, source: level });
    }
  }
  const first = all.findIndex((s) => s.key === name);
  return first < 0 ? [] : all.slice(first);
}

/**
 * Effective value of each topic config: topic override, else the first broker synonym set at some
 * level other than Kafka's default (scaled to the topic unit), else Kafka's default. The source is
 * that of the first synonym listed, DEFAULT_CONFIG when none is (Kafka's rule, which reports
 * DEFAULT_CONFIG for retention.ms when only log.retention.hours is set).
 */
export function resolveTopicConfigs(overrides: Readonly<Record<string, string>>, settings: BrokerSettings): ResolvedConfig[] {
  return TOPIC_CONFIG_DEFS.map((def) => {
    const group = TOPIC_SYNONYMS[def.key] ?? [];
    const synonyms = group.length > 0 ? brokerSynonyms(group[0]!.key, group.map((g) => g.key), settings) : [];
    let effective: string | null | undefined = overrides[def.key];
    if (effective !== undefined) synonyms.unshift({ key: def.key, value: effective, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    for (const syn of group) {
      if (effective !== undefined) break;
      const v = settings(syn.key).find((s) => s.source !== ConfigSource.DEFAULT_CONFIG)?.value;
      if (v !== undefined) effective = syn.scale ? scaled(v, syn.scale) : v;
    }
    return { key: def.key, value: effective ?? def.default, source: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG, synonyms };
  });
}

/** A broker value in a larger unit converted to the topic unit; negative means unlimited (-1). */
function scaled(value: string, scale: number): string {
  if (!/^-?\d+$/.test(value.trim())) return value;
  const n = Number(value) * scale;
  return n < 0 ? '-1' : String(n);
}

/** The typed value of one resolved topic config (LONG_MAX -> Number.MAX_SAFE_INTEGER). */
export function typedTopicValue(resolved: readonly ResolvedConfig[], key: string): ConfigValue {
  const def = TOPIC_CONFIG_BY_KEY.get(key)!;
  const r = resolved.find((x) => x.key === key);
  const parsed = parseConfigValue(def, r?.value ?? null);
  return 'error' in parsed ? null : parsed.value;
}

/** storage's LogConfig from resolved topic configs (topic override > broker synonym > default). */
export function toLogConfig(resolved: readonly ResolvedConfig[]): LogConfig {
  const n = (k: string): number => typedTopicValue(resolved, k) as number;
  const policy = (typedTopicValue(resolved, 'cleanup.policy') as readonly string[] | null) ?? ['delete'];
  // Kafka 3.9: before/after.max.ms left at Long.MAX_VALUE take the deprecated difference.max.ms
  const difference = n('message.timestamp.difference.max.ms');
  return {
    segmentBytes: n('segment.bytes'),
    segmentMs: n('segment.ms'),
    segmentJitterMs: n('segment.jitter.ms'),
    segmentIndexBytes: n('segment.index.bytes'),
    indexIntervalBytes: n('index.interval.bytes'),
    maxMessageBytes: n('max.message.bytes'),
    retentionMs: n('retention.ms'),
    retentionBytes: n('retention.bytes'),
    cleanupPolicy: { delete: policy.includes('delete'), compact: policy.includes('compact') },
    deleteRetentionMs: n('delete.retention.ms'),
    minCleanableDirtyRatio: n('min.cleanable.dirty.ratio'),
    flushMessages: n('flush.messages'),
    flushMs: n('flush.ms'),
    messageTimestampType: typedTopicValue(resolved, 'message.timestamp.type') as 'CreateTime' | 'LogAppendTime',
    messageTimestampBeforeMaxMs: n('message.timestamp.before.max.ms') === Number.MAX_SAFE_INTEGER ? difference : n('message.timestamp.before.max.ms'),
    messageTimestampAfterMaxMs: n('message.timestamp.after.max.ms') === Number.MAX_SAFE_INTEGER ? difference : n('message.timestamp.after.max.ms'),
    compressionType: typedTopicValue(resolved, 'compression.type') as CompressionTypeName,
    compressionGzipLevel: n('compression.gzip.level'),
    compressionLz4Level: n('compression.lz4.level'),
    compressionZstdLevel: n('compression.zstd.level'),
    minCompactionLagMs: n('min.compaction.lag.ms'),
    maxCompactionLagMs: n('max.compaction.lag.ms'),
    fileDeleteDelayMs: n('file.delete.delay.ms'),
  };
}
