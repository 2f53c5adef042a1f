import pino from 'pino';
import { loadConfig } from '../../broker/config/config';
import { ConfigAdmin, ResourceType, AlterOp, SilentConfigError } from '../../broker/config/config-admin';
import { repeatedResources } from '../../broker/config/alter-ops';
import type { RuntimeLoggers } from '../../broker/config/broker-loggers';
import { DynamicBrokerConfig } from '../../broker/config/dynamic-broker-config';
import { MemoryMetadataStore } from '../../coordinator/memory-metadata-store';
import { ConfigSource } from '../../coordinator/topic-config';
import { ErrorCode } from '../../protocol/errors';

const BROKER_ID = 1;

function setUp(staticRaw: Record<string, string> = {}) {
  const store = new MemoryMetadataStore('cluster-1');
  const { config } = loadConfig({ 'broker.id': String(BROKER_ID), ...staticRaw });
  const dyn = new DynamicBrokerConfig(config, store, BROKER_ID, pino({ level: 'silent' }));
  return { store, dyn, admin: new ConfigAdmin(dyn, store, BROKER_ID) };
}

const set = (name: string, value: string | null) => ({ name, value, op: AlterOp.SET });

async function topic(store: MemoryMetadataStore, name: string, configs: Record<string, string> = {}): Promise<void> {
  await store.createTopic({ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', assignment: new Map([[0, [BROKER_ID]]]), configs, isInternal: false });
}

describe('Broker > ConfigAdmin (Kafka 3.9 DescribeConfigs / AlterConfigs answers)', () => {
  it('lists broker synonyms from the key itself on, with the other keys of its group below it', async () => {
    const { admin, store } = setUp({ 'log.retention.hours': '2' });
    const d = (key: string, name = String(BROKER_ID)) => admin.describe(ResourceType.BROKER, name, [key], true)[0];
    // log.retention.ms is unset and has no default: no synonym, value null, DEFAULT_CONFIG.
    expect(d('log.retention.ms')).toMatchObject({ value: null, configSource: ConfigSource.DEFAULT_CONFIG, synonyms: [] });
    expect(d('log.retention.hours')).toMatchObject({
      value: '2',
      configSource: ConfigSource.STATIC_BROKER_CONFIG,
      synonyms: [{ name: 'log.retention.hours', value: '2', source: ConfigSource.STATIC_BROKER_CONFIG }, { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG }],
    });
    await store.setBrokerConfigs(null, { 'log.retention.ms': '5000' });
    expect(d('log.retention.ms')!.synonyms).toEqual([
      { name: 'log.retention.ms', value: '5000', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG },
      { name: 'log.retention.hours', value: '2', source: ConfigSource.STATIC_BROKER_CONFIG },
      { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG },
    ]);
    // The cluster-default resource: only keys set there, only their DYNAMIC_DEFAULT synonyms.
    expect(admin.describe(ResourceType.BROKER, '', null, true)).toEqual([
      expect.objectContaining({ name: 'log.retention.ms', value: '5000', configSource: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, synonyms: [{ name: 'log.retention.ms', value: '5000', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }] }),
    ]);
  });

  it('keeps broker keys it does not know as custom configs: accepted, described sensitive and untyped', async () => {
    const { admin, store } = setUp({ 'my.static.key': 'x' });
    await admin.alter(ResourceType.BROKER, String(BROKER_ID), [set('my.custom.key', 'secret')], false, false);
    expect(store.brokerConfigs(BROKER_ID)).toEqual({ 'my.custom.key': 'secret' });
    const custom = admin.describe(ResourceType.BROKER, String(BROKER_ID), ['my.custom.key', 'my.static.key'], true);
    expect(custom).toEqual([
      expect.objectContaining({ name: 'my.custom.key', value: null, isSensitive: true, configType: 0, readOnly: true, configSource: ConfigSource.DYNAMIC_BROKER_CONFIG }),
      expect.objectContaining({ name: 'my.static.key', value: null, isSensitive: true, configSource: ConfigSource.STATIC_BROKER_CONFIG }),
    ]);
    // Known non-dynamic keys are still refused; unknown topic keys are INVALID_CONFIG.
    await expect(admin.alter(ResourceType.BROKER, '', [set('num.partitions', '3')], false, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST });
    await topic(store, 't');
    await expect(admin.alter(ResourceType.TOPIC, 't', [set('my.custom.key', '1')], false, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_CONFIG });
  });

  it('describes topics: illegal name INVALID_TOPIC_EXCEPTION, unknown topic without a message', () => {
    const { admin } = setUp();
    expect(() => admin.describe(ResourceType.TOPIC, 'bad/name', null, false)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_TOPIC_EXCEPTION }));
    expect(() => admin.describe(ResourceType.TOPIC, 'nope', null, false)).toThrow(SilentConfigError);
    expect(() => admin.describe(ResourceType.TOPIC, 'nope', null, false)).toThrow(expect.objectContaining({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }));
  });

  it('checks broker resource names as Kafka does, per API', async () => {
    const { admin } = setUp();
    const describeError = (type: number, name: string) => {
      try {
        admin.describe(type, name, null, false);
      } catch (e) {
        return [(e as { code: number }).code, (e as Error).message];
      }
      return undefined;
    };
    expect(describeError(ResourceType.BROKER, 'x')).toEqual([ErrorCode.INVALID_REQUEST, 'Broker id must be an integer, but it is: x']);
    expect(describeError(ResourceType.BROKER, '2')).toEqual([ErrorCode.INVALID_REQUEST, 'Unexpected broker id, expected 1 or empty string, but received 2']);
    expect(describeError(ResourceType.BROKER_LOGGER, '')).toEqual([ErrorCode.INVALID_REQUEST, 'Broker id must not be empty']);
    expect(describeError(ResourceType.BROKER_LOGGER, '2')).toEqual([ErrorCode.INVALID_REQUEST, 'Unexpected broker id, expected 1 but received 2']);
    expect(describeError(ResourceType.CLIENT_METRICS, 's')).toEqual([ErrorCode.INVALID_REQUEST, 'Config type client-metrics is only supported on KRaft clusters']);
    expect(describeError(ResourceType.CLIENT_METRICS, '')).toEqual([ErrorCode.INVALID_REQUEST, 'Client metrics subscription name must not be empty']);
    expect(describeError(3, 'g')).toEqual([ErrorCode.INVALID_REQUEST, 'Unsupported resource type: UNKNOWN']);
    await expect(admin.alter(ResourceType.CLIENT_METRICS, 's', [], true, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST, message: expect.stringContaining('resource type is CLIENT_METRICS') });
    await expect(admin.alter(ResourceType.BROKER, 'x', [], true, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST, message: 'Node id must be an integer, but it is: x' });
    await expect(admin.alter(ResourceType.BROKER, '2', [], true, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST, message: 'Unexpected broker id, expected 1, but received 2' });
  });

  it('runs the request checks in Kafka order: duplicate keys, nulls, then the resource type', async () => {
    const { admin, store } = setUp();
    await topic(store, 't');
    await expect(admin.alter(ResourceType.TOPIC, 't', [set('retention.ms', '1'), set('retention.ms', '2')], true, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST, message: 'Error due to duplicate config keys' });
    await expect(admin.alter(ResourceType.TOPIC, 't', [set('retention.ms', null), set('segment.ms', null)], false, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST, message: 'Null value not supported for : retention.ms, segment.ms' });
    await expect(admin.alter(ResourceType.TOPIC, 't', [{ name: 'retention.ms', value: null, op: AlterOp.DELETE }], false, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST });
    await admin.alter(ResourceType.TOPIC, 't', [{ name: 'retention.ms', value: null, op: AlterOp.DELETE }], true, false);
    await expect(admin.alter(ResourceType.TOPIC, 't', [{ name: 'retention.ms', value: '1', op: 7 as AlterOp }], true, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST, message: 'Unknown operations type 7' });
    await expect(admin.alter(ResourceType.TOPIC, '', [], true, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST, message: 'Default topic resources are not allowed.' });
    await expect(admin.alter(ResourceType.BROKER_LOGGER, '1', [], false, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST, message: 'Unknown resource type 8' });
    await expect(admin.alter(3, 'g', [], true, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST, message: 'Unknown resource type 3' });
    await expect(admin.alter(ResourceType.TOPIC, 'gone', [set('retention.ms', '1')], true, false)).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    // Incremental operations apply before the topic must exist (ZkAdminManager).
    await expect(admin.alter(ResourceType.TOPIC, 'gone', [{ name: 'retention.ms', value: '1', op: AlterOp.APPEND }], true, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_CONFIG });
  });

  it('appends to a list from Kafka\'s default of the key, not from the broker-level value', async () => {
    const { admin, store } = setUp({ 'log.cleanup.policy': 'compact' });
    await topic(store, 't');
    await admin.alter(ResourceType.TOPIC, 't', [{ name: 'cleanup.policy', value: 'compact', op: AlterOp.APPEND }], true, false);
    expect(store.topic('t')!.configs).toEqual({ 'cleanup.policy': 'delete,compact' });
  });

  it('validates topic changes combined with the broker defaults (compaction lags)', async () => {
    const { admin, store } = setUp({ 'log.cleaner.max.compaction.lag.ms': '50' });
    await topic(store, 't');
    await expect(admin.alter(ResourceType.TOPIC, 't', [set('min.compaction.lag.ms', '100')], true, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_CONFIG });
    await admin.alter(ResourceType.TOPIC, 't', [set('min.compaction.lag.ms', '100'), set('max.compaction.lag.ms', '100')], true, false);
    expect(store.topic('t')!.configs).toEqual({ 'min.compaction.lag.ms': '100', 'max.compaction.lag.ms': '100' });
    expect(() => admin.validateTopic({ 'remote.storage.enable': 'true' })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG }));
  });

  it('refuses broker-level compaction lags and local retentions Kafka refuses (INVALID_REQUEST)', async () => {
    const { admin } = setUp();
    await expect(admin.alter(ResourceType.BROKER, '', [set('log.cleaner.min.compaction.lag.ms', '100'), set('log.cleaner.max.compaction.lag.ms', '50')], true, false))
      .rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST, message: expect.stringContaining('min.compaction.lag.ms (100) > max.compaction.lag.ms (50)') });
    await expect(admin.alter(ResourceType.BROKER, '', [set('log.local.retention.ms', '-1')], true, false))
      .rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST, message: 'Invalid value -1 for configuration log.local.retention.ms: Value must not be -1 as log.retention.ms value is set as 604800000.' });
    await expect(admin.alter(ResourceType.BROKER, '', [set('log.retention.bytes', '1000'), set('log.local.retention.bytes', '2000')], true, false))
      .rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST, message: expect.stringContaining('Value must not be more than log.retention.bytes property value: 1000') });
    await admin.alter(ResourceType.BROKER, '', [set('log.local.retention.ms', '1000'), set('max.connection.creation.rate', '10'), set('log.cleaner.backoff.ms', '100')], true, false);
  });

  it('validates BROKER_LOGGER changes as RuntimeLoggerManager does, and applies them only through the wired loggers', async () => {
    const { admin } = setUp();
    const levels = new Map([['root', 'INFO']]);
    const loggers: RuntimeLoggers = { levels: () => levels, setLevel: (l, v) => levels.set(l, v), unsetLevel: (l) => levels.delete(l) };
    await expect(admin.alter(ResourceType.BROKER_LOGGER, '1', [set('root', 'DEBUG')], true, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_CONFIG, message: 'Logger root does not exist!' });
    admin.loggers = loggers;
    await expect(admin.alter(ResourceType.BROKER_LOGGER, '2', [set('root', 'DEBUG')], true, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST });
    await expect(admin.alter(ResourceType.BROKER_LOGGER, '1', [set('root', 'LOUD')], true, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_CONFIG, message: expect.stringContaining('Valid log levels are DEBUG, ERROR, FATAL, INFO, TRACE, WARN') });
    await expect(admin.alter(ResourceType.BROKER_LOGGER, '1', [{ name: 'root', value: null, op: AlterOp.DELETE }], true, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST });
    await expect(admin.alter(ResourceType.BROKER_LOGGER, '1', [{ name: 'root', value: 'x', op: AlterOp.APPEND }], true, false)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST, message: 'APPEND operation is not allowed for the BROKER_LOGGER resource' });
    await admin.alter(ResourceType.BROKER_LOGGER, '1', [set('root', 'WARN')], true, true);
    expect(levels.get('root')).toBe('INFO');
    await admin.alter(ResourceType.BROKER_LOGGER, '1', [set('root', 'WARN')], true, false);
    expect(admin.describe(ResourceType.BROKER_LOGGER, '1', null, false)).toEqual([expect.objectContaining({ name: 'root', value: 'WARN', configSource: ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG })]);
  });

  it('finds every listing of a resource named twice', () => {
    expect([...repeatedResources([{ resourceType: 2, resourceName: 'a' }, { resourceType: 4, resourceName: 'a' }, { resourceType: 2, resourceName: 'a' }, { resourceType: 2, resourceName: 'b' }])].sort()).toEqual([0, 2]);
  });
});
