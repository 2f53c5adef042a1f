import pino from 'pino';
import { loadConfig } from '../../broker/config/config';
import { ConfigAdmin, ResourceType, AlterOp } from '../../broker/config/config-admin';
import { DynamicBrokerConfig } from '../../broker/config/dynamic-broker-config';
import { MemoryMetadataStore } from '../../coordinator/memory-metadata-store';
import { ConfigSource } from '../../coordinator/topic-config';
import { ErrorCode, KafkaError } from '../../protocol/errors';

const BROKER_ID = 1;

function capture(): { logger: pino.Logger; warnings: string[] } {
  const warnings: string[] = [];
  const dest = {
    write(line: string): void {
      const parsed = JSON.parse(line) as { level: number; msg: string };
      if (parsed.level === 40) warnings.push(parsed.msg);
    },
  };
  return { logger: pino({ level: 'warn' }, dest), warnings };
}

function setUp(staticRaw: Record<string, string> = {}) {
  const store = new MemoryMetadataStore('cluster-1');
  const cap = capture();
  const { config } = loadConfig({ 'broker.id': String(BROKER_ID), ...staticRaw });
  const dyn = new DynamicBrokerConfig(config, store, BROKER_ID, cap.logger);
  return { store, dyn, config, warnings: cap.warnings };
}

function codeOf(f: () => unknown): number | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof KafkaError) return e.code;
    throw e;
  }
  return undefined;
}

describe('Broker > DynamicBrokerConfig', () => {
  it('resolves per-broker > cluster default > static > Kafka default, and recomputes on every change', async () => {
    const { store, dyn, config } = setUp({ 'max.connections.per.ip': '50' });
    expect(dyn.current()).toEqual(config);
    expect(dyn.current().maxConnectionsPerIp).toBe(50);
    expect(dyn.current().maxConnections).toBe(2147483647);

    await store.setBrokerConfigs(null, { 'max.connections.per.ip': '20', 'max.connections': '300' });
    expect(dyn.current().maxConnectionsPerIp).toBe(20);
    expect(dyn.current().maxConnections).toBe(300);

    await store.setBrokerConfigs(BROKER_ID, { 'max.connections.per.ip': '10' });
    expect(dyn.current().maxConnectionsPerIp).toBe(10);
    expect(dyn.current().maxConnections).toBe(300);

    // Another broker's per-broker configs do not apply here.
    await store.setBrokerConfigs(2, { 'max.connections': '5' });
    expect(dyn.current().maxConnections).toBe(300);

    await store.setBrokerConfigs(BROKER_ID, {});
    expect(dyn.current().maxConnectionsPerIp).toBe(20);
    await store.setBrokerConfigs(null, {});
    expect(dyn.current().maxConnectionsPerIp).toBe(50);
    expect(dyn.current().maxConnections).toBe(2147483647);
  });

  it('parses values with config.ts and keeps the static explicit set', async () => {
    const { store, dyn, config } = setUp();
    await store.setBrokerConfigs(null, { 'max.connections.per.ip.overrides': '10.0.0.1:5, 10.0.0.2:0' });
    const cur = dyn.current();
    expect([...cur.maxConnectionsPerIpOverrides]).toEqual([['10.0.0.1', 5], ['10.0.0.2', 0]]);
    expect(Object.isFrozen(cur)).toBe(true);
    expect(cur.explicit).toBe(config.explicit);
    expect(cur.explicit.has('max.connections.per.ip.overrides')).toBe(false);
  });

  it('applies configs already in the store at construction (restart)', async () => {
    const store = new MemoryMetadataStore('cluster-1');
    await store.setBrokerConfigs(null, { 'max.connections': '7' });
    await store.setBrokerConfigs(BROKER_ID, { 'max.connections.per.ip': '3' });
    const { config } = loadConfig({ 'broker.id': '1' });
    const dyn = new DynamicBrokerConfig(config, store, BROKER_ID, capture().logger);
    expect(dyn.current().maxConnections).toBe(7);
    expect(dyn.current().maxConnectionsPerIp).toBe(3);
  });

  it('ignores an invalid or non-dynamic stored value with a warning instead of failing', async () => {
    const { store, dyn, warnings } = setUp({ 'max.connections.per.ip': '50', 'num.partitions': '2' });
    await store.setBrokerConfigs(null, { 'max.connections.per.ip': '40', 'max.connections': '100' });
    await store.setBrokerConfigs(BROKER_ID, {
      'max.connections.per.ip': 'lots',
      'max.connections.per.ip.overrides': 'no-count-here',
      'num.partitions': '9',
      'max.connections': '90',
    });
    const cur = dyn.current();
    expect(cur.maxConnectionsPerIp).toBe(40); // the cluster default, not the bad per-broker value
    expect(cur.maxConnectionsPerIpOverrides.size).toBe(0);
    expect(cur.numPartitions).toBe(2); // static: num.partitions is not dynamic in Kafka
    expect(cur.maxConnections).toBe(90); // the valid entries of the same level still apply
    expect(dyn.layer(true)).toEqual({ 'max.connections': '90' });
    expect(warnings.some((w) => w.includes('max.connections.per.ip=lots'))).toBe(true);
    expect(warnings.some((w) => w.includes('max.connections.per.ip.overrides=no-count-here'))).toBe(true);
    expect(warnings.some((w) => w.includes('num.partitions=9') && w.includes('cannot be updated dynamically'))).toBe(true);
  });

  it('keeps a stored set whose keys depend on each other, whatever their order', async () => {
    const { store, dyn, warnings } = setUp();
    await store.setBrokerConfigs(null, { 'max.connections.per.ip': '0', 'max.connections.per.ip.overrides': '127.0.0.1:4' });
    expect(dyn.current().maxConnectionsPerIp).toBe(0);
    expect(dyn.current().maxConnectionsPerIpOverrides.get('127.0.0.1')).toBe(4);
    expect(warnings).toEqual([]);
  });

  it('refuses keys that are not dynamic and invalid values with INVALID_REQUEST', () => {
    const { dyn } = setUp();
    expect(codeOf(() => dyn.validate(false, { 'max.connections': '10' }))).toBeUndefined();
    expect(() => dyn.validate(false, { 'num.partitions': '3', 'max.connections': '10' })).toThrow('Cannot update these configs dynamically: Set(num.partitions)');
    expect(codeOf(() => dyn.validate(true, { 'num.partitions': '3' }))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(() => dyn.validate(true, { 'max.connections': 'x' }))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(() => dyn.validate(true, { 'max.connections.per.ip.overrides': 'a:b:' }))).toBe(ErrorCode.INVALID_REQUEST);
    // Kafka: max.connections.per.ip may be 0 only together with overrides.
    expect(codeOf(() => dyn.validate(false, { 'max.connections.per.ip': '0' }))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(() => dyn.validate(false, { 'max.connections.per.ip': '0', 'max.connections.per.ip.overrides': '127.0.0.1:5' }))).toBeUndefined();
  });

  it('validates a per-broker change together with the cluster default in effect', async () => {
    const { store, dyn } = setUp();
    await store.setBrokerConfigs(null, { 'max.connections.per.ip.overrides': '127.0.0.1:5' });
    expect(codeOf(() => dyn.validate(true, { 'max.connections.per.ip': '0' }))).toBeUndefined();
    await store.setBrokerConfigs(null, {});
    expect(codeOf(() => dyn.validate(true, { 'max.connections.per.ip': '0' }))).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('Broker > ConfigAdmin on BROKER resources', () => {
  it('alters through the dynamic view and describes what is in effect', async () => {
    const { store, dyn } = setUp({ 'max.connections': '500' });
    const admin = new ConfigAdmin(dyn, store, BROKER_ID);
    await admin.alter(ResourceType.BROKER, '', [{ name: 'max.connections', value: '200', op: AlterOp.SET }], true, false);
    expect(dyn.current().maxConnections).toBe(200);
    await admin.alter(ResourceType.BROKER, String(BROKER_ID), [{ name: 'max.connections', value: '100', op: AlterOp.SET }], true, false);
    expect(dyn.current().maxConnections).toBe(100);
    const [d] = admin.describe(ResourceType.BROKER, String(BROKER_ID), ['max.connections'], true);
    expect(d).toMatchObject({ value: '100', readOnly: false, configSource: ConfigSource.DYNAMIC_BROKER_CONFIG });
    expect(d!.synonyms.map((s) => [s.value, s.source])).toEqual([
      ['100', ConfigSource.DYNAMIC_BROKER_CONFIG],
      ['200', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
      ['500', ConfigSource.STATIC_BROKER_CONFIG],
      ['2147483647', ConfigSource.DEFAULT_CONFIG],
    ]);
    await admin.alter(ResourceType.BROKER, String(BROKER_ID), [{ name: 'max.connections', value: null, op: AlterOp.DELETE }], true, false);
    expect(dyn.current().maxConnections).toBe(200);
    // validateOnly changes nothing.
    await admin.alter(ResourceType.BROKER, '', [{ name: 'max.connections', value: '1', op: AlterOp.SET }], true, true);
    expect(dyn.current().maxConnections).toBe(200);
  });

  it('accepts the keys Kafka 3.9 reconfigures at runtime that Gregor has no use for (thread pools), and describes them as dynamic', async () => {
    const { store, dyn, warnings } = setUp();
    const admin = new ConfigAdmin(dyn, store, BROKER_ID);
    await admin.alter(ResourceType.BROKER, '', [{ name: 'num.io.threads', value: '16', op: AlterOp.SET }, { name: 'num.network.threads', value: '6', op: AlterOp.SET }], true, false);
    await admin.alter(ResourceType.BROKER, String(BROKER_ID), [{ name: 'background.threads', value: '4', op: AlterOp.SET }], true, false);
    const described = new Map(admin.describe(ResourceType.BROKER, String(BROKER_ID), ['num.io.threads', 'num.network.threads', 'background.threads'], false).map((d) => [d.name, d]));
    expect(described.get('num.io.threads')).toMatchObject({ value: '16', readOnly: false, configSource: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    expect(described.get('num.network.threads')).toMatchObject({ value: '6', configSource: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    expect(described.get('background.threads')).toMatchObject({ value: '4', configSource: ConfigSource.DYNAMIC_BROKER_CONFIG });
    expect(codeOf(() => dyn.validate(false, { 'num.io.threads': '0' }))).toBe(ErrorCode.INVALID_REQUEST);
    expect(warnings).toEqual([]);
  });

  it('answers INVALID_REQUEST for a non-dynamic key in both AlterConfigs and IncrementalAlterConfigs', async () => {
    const { store, dyn } = setUp();
    const admin = new ConfigAdmin(dyn, store, BROKER_ID);
    for (const incremental of [false, true]) {
      await expect(admin.alter(ResourceType.BROKER, '', [{ name: 'num.partitions', value: '4', op: AlterOp.SET }], incremental, false)).rejects.toMatchObject({
        code: ErrorCode.INVALID_REQUEST,
        message: 'Cannot update these configs dynamically: Set(num.partitions)',
      });
    }
    expect(store.brokerConfigs(null)).toEqual({});
    // The cluster-default resource lists only keys set there (Kafka's ConfigHelper).
    expect(admin.describe(ResourceType.BROKER, '', ['num.partitions'], false)).toEqual([]);
    const [d] = admin.describe(ResourceType.BROKER, String(BROKER_ID), ['num.partitions'], false);
    expect(d).toMatchObject({ value: '1', readOnly: true });
  });

  it('leaves an ignored stored value out of DescribeConfigs and drops it on the next incremental change', async () => {
    const { store, dyn } = setUp();
    await store.setBrokerConfigs(null, { 'num.partitions': '9', 'log.retention.ms': 'soon' });
    const admin = new ConfigAdmin(dyn, store, BROKER_ID);
    expect(admin.describe(ResourceType.BROKER, '', ['num.partitions', 'log.retention.ms'], false)).toEqual([]);
    const described = admin.describe(ResourceType.BROKER, String(BROKER_ID), ['num.partitions', 'log.retention.ms'], false);
    expect(described.map((d) => [d.name, d.configSource])).toEqual([
      ['num.partitions', ConfigSource.DEFAULT_CONFIG],
      ['log.retention.ms', ConfigSource.DEFAULT_CONFIG],
    ]);
    await admin.alter(ResourceType.BROKER, '', [{ name: 'max.connections', value: '9', op: AlterOp.SET }], true, false);
    expect(store.brokerConfigs(null)).toEqual({ 'max.connections': '9' });
  });
});
