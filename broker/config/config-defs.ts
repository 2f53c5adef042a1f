/**
 * The single table of broker configuration keys Gregor knows, with Kafka 3.9's defaults.
 *
 * Each entry names the Kafka `server.properties` key, its type, its default as Kafka prints it
 * (the string DescribeConfigs reports), and a validator. `ignored` keys are accepted for
 * compatibility (thread pools, buffer sizes) and logged once as not needed by Gregor.
 * Values are validated in broker/config/config.ts; the typed view is BrokerConfig. `dynamic` marks
 * the keys Kafka 3.9 lets AlterConfigs change on a BROKER resource (its DynamicBrokerConfig);
 * broker/dynamic-broker-config.ts applies them at runtime. A key both `ignored` and `dynamic`
 * (thread pools) is accepted and described like Kafka's, with no effect here.
 */

import type { ConfigDef, ConfigType } from '../../coordinator/topic-config';

export type { ConfigDef, ConfigType };

export const INT_MAX = 2147483647;
export const LONG_MAX = '9223372036854775807';

const d = (key: string, type: ConfigType, def: string | null, extra: Partial<ConfigDef> = {}): ConfigDef =>
  Object.freeze({ key, type, default: def, ...extra });

const COMPRESSION = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'];

export const BROKER_CONFIG_DEFS: readonly ConfigDef[] = [
  d('broker.id', 'int', '-1', { min: -1 }),
  d('broker.id.generation.enable', 'boolean', 'true'),
  d('reserved.broker.max.id', 'int', '1000', { min: 0 }),
  d('broker.rack', 'string', null),
  d('listeners', 'list', 'PLAINTEXT://:9092'),
  d('advertised.listeners', 'list', null),
  d('listener.security.protocol.map', 'string',
    'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL'),
  d('inter.broker.listener.name', 'string', null),
  d('log.dirs', 'list', null),
  d('log.dir', 'string', '/tmp/kafka-logs'),
  d('zookeeper.connect', 'string', null),
  d('zookeeper.session.timeout.ms', 'int', '18000'),
  d('zookeeper.connection.timeout.ms', 'int', null),
  d('num.partitions', 'int', '1', { min: 1 }),
  d('default.replication.factor', 'int', '1', { min: 1 }),
  d('auto.create.topics.enable', 'boolean', 'true'),
  d('delete.topic.enable', 'boolean', 'true'),
  d('log.segment.bytes', 'int', '1073741824', { min: 14, dynamic: true }),
  d('log.roll.ms', 'long', null, { min: 1, dynamic: true }),
  d('log.roll.hours', 'int', '168', { min: 1 }),
  d('log.roll.jitter.ms', 'long', null, { dynamic: true }),
  d('log.roll.jitter.hours', 'int', '0', { min: 0 }),
  d('log.retention.ms', 'long', null, { min: -1, dynamic: true }),
  d('log.retention.minutes', 'int', null, { min: -1 }),
  d('log.retention.hours', 'int', '168', { min: -1 }),
  d('log.retention.bytes', 'long', '-1', { dynamic: true }),
  d('log.retention.check.interval.ms', 'long', '300000', { min: 1 }),
  d('log.cleanup.policy', 'list', 'delete', { oneOf: ['compact', 'delete'], dynamic: true }),
  d('log.cleaner.enable', 'boolean', 'true'),
  d('log.cleaner.threads', 'int', '1', { min: 0, ignored: true, dynamic: true }),
  d('log.cleaner.dedupe.buffer.size', 'long', '134217728', { ignored: true, dynamic: true }),
  d('log.cleaner.delete.retention.ms', 'long', '86400000', { min: 0, dynamic: true }),
  d('log.cleaner.min.cleanable.ratio', 'double', '0.5', { min: 0, max: 1, dynamic: true }),
  d('log.cleaner.min.compaction.lag.ms', 'long', '0', { min: 0, dynamic: true }),
  d('log.cleaner.max.compaction.lag.ms', 'long', LONG_MAX, { min: 1, dynamic: true }),
  d('log.index.size.max.bytes', 'int', '10485760', { min: 4, dynamic: true }),
  d('log.index.interval.bytes', 'int', '4096', { min: 0, dynamic: true }),
  d('log.flush.interval.messages', 'long', LONG_MAX, { min: 1, dynamic: true }),
  d('log.flush.interval.ms', 'long', null, { dynamic: true }),
  d('log.flush.scheduler.interval.ms', 'long', LONG_MAX),
  d('log.flush.offset.checkpoint.interval.ms', 'int', '60000', { min: 0 }),
  d('log.segment.delete.delay.ms', 'long', '60000', { min: 0, dynamic: true }),
  d('log.message.timestamp.type', 'string', 'CreateTime', { oneOf: ['CreateTime', 'LogAppendTime'], dynamic: true }),
  d('log.message.timestamp.difference.max.ms', 'long', LONG_MAX, { min: 0, dynamic: true }),
  d('log.message.timestamp.before.max.ms', 'long', LONG_MAX, { min: 0, dynamic: true }),
  d('log.message.timestamp.after.max.ms', 'long', LONG_MAX, { min: 0, dynamic: true }),
  d('log.message.format.version', 'string', '3.0-IV1'),
  d('log.message.downconversion.enable', 'boolean', 'true', { dynamic: true }),
  d('log.preallocate', 'boolean', 'false', { dynamic: true }),
  d('message.max.bytes', 'int', '1048588', { min: 0, dynamic: true }),
  d('compression.type', 'string', 'producer', { oneOf: COMPRESSION, dynamic: true }),
  d('min.insync.replicas', 'int', '1', { min: 1, dynamic: true }),
  d('unclean.leader.election.enable', 'boolean', 'false', { dynamic: true }),
  d('auto.leader.rebalance.enable', 'boolean', 'true'),
  d('socket.request.max.bytes', 'int', '104857600', { min: 1 }),
  d('socket.send.buffer.bytes', 'int', '102400', { ignored: true }),
  d('socket.receive.buffer.bytes', 'int', '102400', { ignored: true }),
  d('socket.listen.backlog.size', 'int', '50', { min: 1 }),
  d('num.network.threads', 'int', '3', { min: 1, ignored: true, dynamic: true }),
  d('num.io.threads', 'int', '8', { min: 1, ignored: true, dynamic: true }),
  d('num.recovery.threads.per.data.dir', 'int', '1', { min: 1, ignored: true, dynamic: true }),
  d('num.replica.fetchers', 'int', '1', { ignored: true, dynamic: true }),
  d('num.replica.alter.log.dirs.threads', 'int', null, { ignored: true }),
  d('background.threads', 'int', '10', { min: 1, ignored: true, dynamic: true }),
  d('queued.max.requests', 'int', '500', { min: 1 }),
  d('queued.max.request.bytes', 'long', '-1'),
  d('connections.max.idle.ms', 'long', '600000'),
  d('max.connections', 'int', String(INT_MAX), { min: 0, dynamic: true }),
  d('max.connections.per.ip', 'int', String(INT_MAX), { min: 0, dynamic: true }),
  d('max.connections.per.ip.overrides', 'string', '', { dynamic: true }),
  d('fetch.max.bytes', 'int', '57671680', { min: 1024 }),
  d('max.incremental.fetch.session.cache.slots', 'int', '1000', { min: 0 }),
  d('fetch.purgatory.purge.interval.requests', 'int', '1000', { ignored: true }),
  d('producer.purgatory.purge.interval.requests', 'int', '1000', { ignored: true }),
  d('replica.lag.time.max.ms', 'long', '30000'),
  d('replica.fetch.max.bytes', 'int', '1048576', { min: 0 }),
  d('replica.fetch.wait.max.ms', 'int', '500'),
  d('replica.fetch.min.bytes', 'int', '1'),
  d('replica.fetch.response.max.bytes', 'int', '10485760', { min: 0 }),
  d('replica.socket.timeout.ms', 'int', '30000'),
  d('replica.high.watermark.checkpoint.interval.ms', 'long', '5000'),
  d('controlled.shutdown.enable', 'boolean', 'true'),
  d('group.initial.rebalance.delay.ms', 'int', '3000', { min: 0 }),
  d('group.min.session.timeout.ms', 'int', '6000'),
  d('group.max.session.timeout.ms', 'int', '1800000'),
  d('group.max.size', 'int', String(INT_MAX), { min: 1 }),
  d('offsets.topic.num.partitions', 'int', '50', { min: 1 }),
  d('offsets.topic.replication.factor', 'short', '3', { min: 1 }),
  d('offsets.topic.segment.bytes', 'int', '104857600', { min: 1 }),
  d('offsets.topic.compression.codec', 'int', '0', { min: 0, max: 4 }),
  d('offsets.retention.minutes', 'int', '10080', { min: 1 }),
  d('offsets.retention.check.interval.ms', 'long', '600000', { min: 1 }),
  d('offsets.commit.timeout.ms', 'int', '5000', { min: 1 }),
  d('offsets.load.buffer.size', 'int', '5242880', { min: 1 }),
  d('offset.metadata.max.bytes', 'int', '4096'),
  d('transaction.state.log.num.partitions', 'int', '50', { min: 1 }),
  d('transaction.state.log.replication.factor', 'short', '3', { min: 1 }),
  d('transaction.state.log.min.isr', 'int', '2', { min: 1 }),
  d('transaction.state.log.segment.bytes', 'int', '104857600', { min: 1 }),
  d('transactional.id.expiration.ms', 'int', '604800000', { min: 1 }),
  d('transaction.max.timeout.ms', 'int', '900000', { min: 1 }),
  d('request.timeout.ms', 'int', '30000', { ignored: true }),
  d('metrics.num.samples', 'int', '2', { ignored: true }),
  d('metrics.sample.window.ms', 'long', '30000', { ignored: true }),
  d('authorizer.class.name', 'string', '', { ignored: true }),
  d('metric.reporters', 'list', '', { ignored: true, dynamic: true }),
  d('confluent.support.metrics.enable', 'boolean', 'false', { ignored: true }),
  d('group.coordinator.rebalance.protocols', 'list', 'classic', { ignored: true }),
  d('process.roles', 'list', '', { ignored: true }),
  d('node.id', 'int', '-1', { ignored: true }),
  d('ssl.keystore.password', 'password', null, { sensitive: true, ignored: true }),
  d('ssl.key.password', 'password', null, { sensitive: true, ignored: true }),
  d('ssl.truststore.password', 'password', null, { sensitive: true, ignored: true }),
];

export const BROKER_CONFIG_BY_KEY: ReadonlyMap<string, ConfigDef> = new Map(BROKER_CONFIG_DEFS.map((c) => [c.key, c]));
