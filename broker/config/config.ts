/**
 * Broker configuration: Kafka `server.properties` keys -> a typed, frozen BrokerConfig.
 *
 * The defaults table is broker/config/config-defs.ts. An unknown key is a warning; an invalid value
 * throws ConfigError with one line naming the key, the value and what is allowed. Durations
 * are ms, sizes bytes; Long.MAX_VALUE becomes Number.MAX_SAFE_INTEGER ("unbounded").
 */
import { BROKER_CONFIG_BY_KEY } from './config-defs';
import { parseConfigValue, type ConfigValue } from '../../coordinator/topic-config';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface Listener {
  readonly name: string;
  readonly securityProtocol: string;
  /** '' = all interfaces. */
  readonly host: string;
  /** 0 = ephemeral (tests). */
  readonly port: number;
}

export interface BrokerConfig {
  readonly brokerId: number;
  readonly rack: string | null;
  readonly listeners: readonly Listener[];
  readonly advertisedListeners: readonly Listener[];
  readonly logDirs: readonly string[];
  /** producer.id.expiration.ms: a partition forgets a producer idle this long (dynamic). */
  readonly producerIdExpirationMs: number;
  /** producer.id.expiration.check.interval.ms: how often idle producers are looked for. */
  readonly producerIdExpirationCheckIntervalMs: number;
  /** log.cleaner.enable: false = compacted topics are never cleaned. */
  readonly logCleanerEnable: boolean;
  /** log.cleaner.backoff.ms: pause between cleaner passes (dynamic). */
  readonly logCleanerBackoffMs: number;
  /** socket.listen.backlog.size: the listen(2) backlog of each listener socket. */
  readonly socketListenBacklogSize: number;
  readonly zookeeperConnect: string | null;
  readonly zookeeperSessionTimeoutMs: number;
  /** zookeeper.connection.timeout.ms, or the session timeout when unset (as Kafka). */
  readonly zookeeperConnectionTimeoutMs: number;
  /** The listener brokers use for each other (inter.broker.listener.name or security.inter.broker.protocol). */
  readonly interBrokerListenerName: string;
  readonly brokerIdGenerationEnable: boolean;
  readonly reservedBrokerMaxId: number;
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly autoCreateTopicsEnable: boolean;
  readonly deleteTopicEnable: boolean;
  readonly logSegmentBytes: number;
  readonly logRollMs: number;
  readonly logRetentionMs: number;
  readonly logRetentionBytes: number;
  readonly logRetentionCheckIntervalMs: number;
  readonly logCleanupPolicy: readonly string[];
  readonly logIndexSizeMaxBytes: number;
  readonly logIndexIntervalBytes: number;
  readonly logFlushIntervalMessages: number;
  readonly logFlushIntervalMs: number;
  readonly logSegmentDeleteDelayMs: number;
  readonly logMessageTimestampType: 'CreateTime' | 'LogAppendTime';
  readonly logCleanerDeleteRetentionMs: number;
  readonly logCleanerMinCleanableRatio: number;
  readonly messageMaxBytes: number;
  readonly socketRequestMaxBytes: number;
  readonly queuedMaxRequests: number;
  /** queued.max.request.bytes; -1 = Gregor's per-connection default (16 MiB of unanswered requests). */
  readonly queuedMaxRequestBytes: number;
  readonly groupInitialRebalanceDelayMs: number;
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
  readonly groupMaxSize: number;
  readonly offsetsTopicNumPartitions: number;
  readonly offsetsTopicReplicationFactor: number;
  readonly offsetsTopicSegmentBytes: number;
  readonly offsetsTopicCompressionCodec: number;
  readonly offsetsRetentionMinutes: number;
  readonly offsetsRetentionCheckIntervalMs: number;
  readonly offsetsCommitTimeoutMs: number;
  readonly offsetsLoadBufferSize: number;
  readonly offsetMetadataMaxBytes: number;
  readonly transactionStateLogNumPartitions: number;
  readonly transactionStateLogReplicationFactor: number;
  readonly transactionStateLogMinIsr: number;
  readonly transactionStateLogSegmentBytes: number;
  readonly transactionStateLogLoadBufferSize: number;
  readonly transactionalIdExpirationMs: number;
  readonly transactionMaxTimeoutMs: number;
  readonly transactionAbortTimedOutTransactionCleanupIntervalMs: number;
  readonly transactionRemoveExpiredTransactionalIdCleanupIntervalMs: number;
  readonly minInsyncReplicas: number;
  readonly connectionsMaxIdleMs: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly maxConnectionsPerIpOverrides: ReadonlyMap<string, number>;
  readonly fetchMaxBytes: number;
  readonly maxIncrementalFetchSessionCacheSlots: number;
  readonly replicaLagTimeMaxMs: number;
  readonly numReplicaFetchers: number;
  readonly replicaHighWatermarkCheckpointIntervalMs: number;
  readonly logFlushOffsetCheckpointIntervalMs: number;
  readonly replicaFetchMaxBytes: number;
  readonly replicaFetchWaitMaxMs: number;
  readonly replicaFetchMinBytes: number;
  readonly replicaFetchResponseMaxBytes: number;
  readonly replicaFetchBackoffMs: number;
  readonly replicaSocketTimeoutMs: number;
  readonly controllerSocketTimeoutMs: number;
  readonly uncleanLeaderElectionEnable: boolean;
  readonly autoLeaderRebalanceEnable: boolean;
  readonly leaderImbalanceCheckIntervalMs: number;
  readonly leaderImbalancePerBrokerPercentage: number;
  readonly controlledShutdownEnable: boolean;
  readonly controlledShutdownMaxRetries: number;
  readonly controlledShutdownRetryBackoffMs: number;
  readonly compressionType: string;
  /**
   * Keys set explicitly (file or overrides) with their raw values, unknown keys included (Kafka
   * keeps them as custom configs); DescribeConfigs source STATIC_BROKER_CONFIG.
   */
  readonly explicit: ReadonlyMap<string, string>;
  /** Every key set at some level (static, then dynamic on top) with its effective raw value. */
  readonly settings: ReadonlyMap<string, string>;
}

export interface LoadedConfig {
  readonly config: BrokerConfig;
  /** Unknown keys: warn once each. */
  readonly unknownKeys: readonly string[];
  /** Known keys Gregor accepts but does not use: log once as ignored. */
  readonly ignoredKeys: readonly string[];
}

/** Parses Java .properties text: `key=value` / `key: value`, `#`/`!` comments, `\` continuations. */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trimStart();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.trimStart();
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trimEnd();
    else out[line.trim()] = '';
  }
  return out;
}

const LISTENER_RE = /^([A-Za-z0-9_]+):\/\/(\[[0-9a-fA-F:.]+\]|[^:/\s]*):(\d+)$/;

/** Parses `NAME://host:port,...`; every listener must map to PLAINTEXT (the only protocol served). */
export function parseListeners(key: string, value: string, protocolMap: ReadonlyMap<string, string>): Listener[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new ConfigError(`invalid value '${value}' for ${key}: allowed is a list of NAME://host:port`);
  const seen = new Set<string>();
  return items.map((item) => {
    const m = LISTENER_RE.exec(item);
    const port = m ? Number(m[3]) : NaN;
    if (!m || port > 65535) throw new ConfigError(`invalid value '${value}' for ${key}: '${item}' is not NAME://host:port with port 0-65535`);
    const name = m[1]!.toUpperCase();
    const protocol = protocolMap.get(name);
    if (!protocol) throw new ConfigError(`invalid value '${value}' for ${key}: listener name ${name} is not in listener.security.protocol.map`);
    if (protocol !== 'PLAINTEXT') throw new ConfigError(`invalid value '${value}' for ${key}: security protocol ${protocol} of ${name} is not supported (allowed: PLAINTEXT)`);
    if (seen.has(name)) throw new ConfigError(`invalid value '${value}' for ${key}: listener name ${name} appears twice`);
    seen.add(name);
    return Object.freeze({ name, securityProtocol: protocol, host: m[2]!.replace(/^\[|\]$/g, ''), port });
  });
}

function parseProtocolMap(value: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, proto] = pair.split(':');
    if (!name || !proto) throw new ConfigError(`invalid value '${value}' for listener.security.protocol.map: allowed is NAME:PROTOCOL,...`);
    map.set(name.trim().toUpperCase(), proto.trim().toUpperCase());
  }
  return map;
}

/**
 * Builds the config from raw key/value pairs (file first, overrides applied on top by the caller).
 * Throws ConfigError on the first invalid value.
 */
export function loadConfig(raw: Readonly<Record<string, string>>): LoadedConfig {
  const unknownKeys: string[] = [];
  const ignoredKeys: string[] = [];
  const values = new Map<string, ConfigValue>();
  const explicit = new Map<string, string>();
  for (const [key, value] of Object.entries(raw)) {
    const def = BROKER_CONFIG_BY_KEY.get(key);
    if (!def) {
      unknownKeys.push(key);
      explicit.set(key, value.trim());
      continue;
    }
    const parsed = parseConfigValue(def, value);
    if ('error' in parsed) throw new ConfigError(parsed.error);
    if (def.ignored) ignoredKeys.push(key);
    explicit.set(key, value.trim());
  }
  const get = (key: string): ConfigValue => {
    if (values.has(key)) return values.get(key)!;
    const def = BROKER_CONFIG_BY_KEY.get(key);
    if (!def) throw new Error(`config key ${key} missing from config-defs`);
    const parsed = parseConfigValue(def, explicit.get(key) ?? def.default);
    if ('error' in parsed) throw new ConfigError(parsed.error);
    values.set(key, parsed.value);
    return parsed.value;
  };
  const num = (key: string): number => get(key) as number;
  const optNum = (key: string): number | null => get(key) as number | null;
  const str = (key: string): string | null => get(key) as string | null;
  const bool = (key: string): boolean => get(key) as boolean;

  const protocolMap = parseProtocolMap(str('listener.security.protocol.map') ?? '');
  const listenersRaw = explicit.get('listeners') ?? 'PLAINTEXT://:9092';
  const listeners = parseListeners('listeners', listenersRaw, protocolMap);
  const advertisedRaw = explicit.get('advertised.listeners');
  const advertisedListeners = advertisedRaw ? parseListeners('advertised.listeners', advertisedRaw, protocolMap) : listeners;
  for (const a of advertisedListeners) {
    if (!listeners.some((l) => l.name === a.name)) {
      throw new ConfigError(`invalid value '${advertisedRaw}' for advertised.listeners: listener ${a.name} is not in listeners`);
    }
  }
  const interBrokerListenerName = str('inter.broker.listener.name')?.toUpperCase() ?? str('security.inter.broker.protocol')!;
  if (!listeners.some((l) => l.name === interBrokerListenerName)) {
    throw new ConfigError(`invalid value '${interBrokerListenerName}' for inter.broker.listener.name: no listener of that name in listeners (${listeners.map((l) => l.name).join(', ')})`);
  }
  const logDirsList = get('log.dirs') as readonly string[] | null;
  const logDirs = logDirsList && logDirsList.length > 0 ? [...logDirsList] : [str('log.dir') ?? '/tmp/kafka-logs'];

  const retentionMs = optNum('log.retention.ms') ?? (optNum('log.retention.minutes') !== null ? num('log.retention.minutes') * 60_000 : num('log.retention.hours') * 3_600_000);
  const rollMs = optNum('log.roll.ms') ?? num('log.roll.hours') * 3_600_000;
  const overridesRaw = str('max.connections.per.ip.overrides') ?? '';
  const perIpOverrides = new Map<string, number>();
  for (const pair of overridesRaw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(.+):(\d+)$/.exec(pair);
    if (!m) throw new ConfigError(`invalid value '${overridesRaw}' for max.connections.per.ip.overrides: allowed is host:count,...`);
    perIpOverrides.set(m[1]!, Number(m[2]));
  }
  if (num('max.connections.per.ip') === 0 && perIpOverrides.size === 0) {
    throw new ConfigError(`max.connections.per.ip: invalid value '0'; allowed only when max.connections.per.ip.overrides is set`);
  }
  // Kafka's LogConfig.validateBrokerLogConfigValues (LogManager refuses to start otherwise).
  const minLag = num('log.cleaner.min.compaction.lag.ms');
  const maxLag = num('log.cleaner.max.compaction.lag.ms');
  if (minLag > maxLag) {
    throw new ConfigError(`conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag}): log.cleaner.min.compaction.lag.ms must not exceed log.cleaner.max.compaction.lag.ms`);
  }
  const tsType = str('log.message.timestamp.type') as 'CreateTime' | 'LogAppendTime';
  const config: BrokerConfig = Object.freeze({
    brokerId: num('broker.id'),
    rack: str('broker.rack'),
    listeners: Object.freeze(listeners),
    advertisedListeners: Object.freeze(advertisedListeners),
    logDirs: Object.freeze(logDirs),
    zookeeperConnect: str('zookeeper.connect'),
    zookeeperSessionTimeoutMs: num('zookeeper.session.timeout.ms'),
    zookeeperConnectionTimeoutMs: optNum('zookeeper.connection.timeout.ms') ?? num('zookeeper.session.timeout.ms'),
    interBrokerListenerName,
    brokerIdGenerationEnable: bool('broker.id.generation.enable'),
    reservedBrokerMaxId: num('reserved.broker.max.id'),
    numPartitions: num('num.partitions'),
    defaultReplicationFactor: num('default.replication.factor'),
    autoCreateTopicsEnable: bool('auto.create.topics.enable'),
    deleteTopicEnable: bool('delete.topic.enable'),
    logSegmentBytes: num('log.segment.bytes'),
    logRollMs: rollMs,
    logRetentionMs: retentionMs < 0 ? -1 : retentionMs,
    logRetentionBytes: num('log.retention.bytes'),
    logRetentionCheckIntervalMs: num('log.retention.check.interval.ms'),
    logCleanerEnable: bool('log.cleaner.enable'),
    producerIdExpirationMs: num('producer.id.expiration.ms'),
    producerIdExpirationCheckIntervalMs: num('producer.id.expiration.check.interval.ms'),
    logCleanerBackoffMs: num('log.cleaner.backoff.ms'),
    socketListenBacklogSize: num('socket.listen.backlog.size'),
    logCleanupPolicy: get('log.cleanup.policy') as readonly string[],
    logIndexSizeMaxBytes: num('log.index.size.max.bytes'),
    logIndexIntervalBytes: num('log.index.interval.bytes'),
    logFlushIntervalMessages: num('log.flush.interval.messages'),
    logFlushIntervalMs: optNum('log.flush.interval.ms') ?? num('log.flush.scheduler.interval.ms'),
    logSegmentDeleteDelayMs: num('log.segment.delete.delay.ms'),
    logMessageTimestampType: tsType,
    logCleanerDeleteRetentionMs: num('log.cleaner.delete.retention.ms'),
    logCleanerMinCleanableRatio: num('log.cleaner.min.cleanable.ratio'),
    messageMaxBytes: num('message.max.bytes'),
    socketRequestMaxBytes: num('socket.request.max.bytes'),
    queuedMaxRequests: num('queued.max.requests'),
    queuedMaxRequestBytes: num('queued.max.request.bytes'),
    groupInitialRebalanceDelayMs: num('group.initial.rebalance.delay.ms'),
    groupMinSessionTimeoutMs: num('group.min.session.timeout.ms'),
    groupMaxSessionTimeoutMs: num('group.max.session.timeout.ms'),
    groupMaxSize: num('group.max.size'),
    offsetsTopicNumPartitions: num('offsets.topic.num.partitions'),
    offsetsTopicReplicationFactor: num('offsets.topic.replication.factor'),
    offsetsTopicSegmentBytes: num('offsets.topic.segment.bytes'),
    offsetsTopicCompressionCodec: num('offsets.topic.compression.codec'),
    offsetsRetentionMinutes: num('offsets.retention.minutes'),
    offsetsRetentionCheckIntervalMs: num('offsets.retention.check.interval.ms'),
    offsetsCommitTimeoutMs: num('offsets.commit.timeout.ms'),
    offsetsLoadBufferSize: num('offsets.load.buffer.size'),
    offsetMetadataMaxBytes: num('offset.metadata.max.bytes'),
    transactionStateLogNumPartitions: num('transaction.state.log.num.partitions'),
    transactionStateLogReplicationFactor: num('transaction.state.log.replication.factor'),
    transactionStateLogMinIsr: num('transaction.state.log.min.isr'),
    transactionStateLogSegmentBytes: num('transaction.state.log.segment.bytes'),
    transactionStateLogLoadBufferSize: num('transaction.state.log.load.buffer.size'),
    transactionalIdExpirationMs: num('transactional.id.expiration.ms'),
    transactionMaxTimeoutMs: num('transaction.max.timeout.ms'),
    transactionAbortTimedOutTransactionCleanupIntervalMs: num('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
    transactionRemoveExpiredTransactionalIdCleanupIntervalMs: num('transaction.remove.expired.transaction.cleanup.interval.ms'),
    minInsyncReplicas: num('min.insync.replicas'),
    connectionsMaxIdleMs: num('connections.max.idle.ms'),
    maxConnections: num('max.connections'),
    maxConnectionsPerIp: num('max.connections.per.ip'),
    maxConnectionsPerIpOverrides: perIpOverrides,
    fetchMaxBytes: num('fetch.max.bytes'),
    maxIncrementalFetchSessionCacheSlots: num('max.incremental.fetch.session.cache.slots'),
    replicaLagTimeMaxMs: num('replica.lag.time.max.ms'),
    numReplicaFetchers: num('num.replica.fetchers'),
    replicaHighWatermarkCheckpointIntervalMs: num('replica.high.watermark.checkpoint.interval.ms'),
    logFlushOffsetCheckpointIntervalMs: num('log.flush.offset.checkpoint.interval.ms'),
    replicaFetchMaxBytes: num('replica.fetch.max.bytes'),
    replicaFetchWaitMaxMs: num('replica.fetch.wait.max.ms'),
    replicaFetchMinBytes: num('replica.fetch.min.bytes'),
    replicaFetchResponseMaxBytes: num('replica.fetch.response.max.bytes'),
    replicaFetchBackoffMs: num('replica.fetch.backoff.ms'),
    replicaSocketTimeoutMs: num('replica.socket.timeout.ms'),
    controllerSocketTimeoutMs: num('controller.socket.timeout.ms'),
    uncleanLeaderElectionEnable: bool('unclean.leader.election.enable'),
    autoLeaderRebalanceEnable: bool('auto.leader.rebalance.enable'),
    leaderImbalanceCheckIntervalMs: num('leader.imbalance.check.interval.seconds') * 1000,
    leaderImbalancePerBrokerPercentage: num('leader.imbalance.per.broker.percentage'),
    controlledShutdownEnable: bool('controlled.shutdown.enable'),
    controlledShutdownMaxRetries: num('controlled.shutdown.max.retries'),
    controlledShutdownRetryBackoffMs: num('controlled.shutdown.retry.backoff.ms'),
    compressionType: str('compression.type') ?? 'producer',
    explicit,
    settings: explicit,
  });
  return { config, unknownKeys, ignoredKeys };
}

/**
 * The config with `dynamic` (key -> raw value, already merged in precedence order) layered over
 * the static keys of `staticConfig`, parsed and validated exactly like a startup config.
 * `explicit` stays the static set (DescribeConfigs' STATIC_BROKER_CONFIG source); `settings` is the
 * merged set.
 * Throws ConfigError naming the first invalid value.
 */
export function withDynamicConfigs(staticConfig: BrokerConfig, dynamic: Readonly<Record<string, string>>): BrokerConfig {
  const { config } = loadConfig({ ...Object.fromEntries(staticConfig.explicit), ...dynamic });
  return Object.freeze({ ...config, explicit: staticConfig.explicit, settings: config.explicit });
}

/** Parses `--override key=value` items into pairs; throws ConfigError on an item without '='. */
export function parseOverrides(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf('=');
    if (i <= 0) throw new ConfigError(`invalid override '${item}': allowed is key=value`);
    out[item.slice(0, i).trim()] = item.slice(i + 1);
  }
  return out;
}
