/**
 * Dynamic broker configs (AlterConfigs on BROKER resources) with kafkajs 2.2.4 against an
 * in-process broker: changes take effect at runtime, keys Kafka 3.9 treats as read-only are
 * refused, and persisted values apply after a restart on the same data dir. kafkajs refuses an
 * empty resource name, so the cluster-wide default ('') is altered over a RawClient.
 */
import fs from 'fs';
import net from 'net';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { ApiKey } from '../../protocol/generated/api-keys';
import { defaultAlterableConfig, defaultAlterConfigsRequest, defaultAlterConfigsResource, type AlterConfigsRequest } from '../../protocol/generated/alter-configs-request';
import type { AlterConfigsResponse } from '../../protocol/generated/alter-configs-response';
import { ErrorCode } from '../../protocol/errors';
import { startTestBroker, type TestBroker } from './helpers';
import { RawClient } from '../../bench/raw-client';

const BROKER = 4; // kafkajs ConfigResourceTypes.BROKER

/** Connects, sends ApiVersions v0 and tells whether it was answered or the broker closed the socket. */
function probe(port: number): Promise<'answered' | 'closed'> {
  const client = Buffer.from('probe');
  const req = Buffer.alloc(14 + client.length);
  req.writeInt32BE(req.length - 4, 0);
  req.writeInt16BE(18, 4); // ApiVersions
  req.writeInt16BE(0, 6);
  req.writeInt32BE(1, 8);
  req.writeInt16BE(client.length, 12);
  client.copy(req, 14);
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(req));
    const timer = setTimeout(() => {
      s.destroy();
      resolve('closed');
    }, 3000);
    s.on('data', () => {
      clearTimeout(timer);
      s.destroy();
      resolve('answered');
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
  });
}

/** Opens `n` raw connections that stay open (and counted) until destroyed. */
async function openSockets(port: number, n: number): Promise<net.Socket[]> {
  return Promise.all(Array.from({ length: n }, () => new Promise<net.Socket>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => undefined);
  })));
}

/** AlterConfigs v0 on the cluster-wide default (BROKER ''), replacing its whole set, over `c`. */
async function alterClusterDefault(c: RawClient, configs: Record<string, string>): Promise<AlterConfigsResponse['responses'][number]> {
  const r = await c.request<AlterConfigsRequest, AlterConfigsResponse>(ApiKey.AlterConfigs, 0, {
    ...defaultAlterConfigsRequest(),
    resources: [{ ...defaultAlterConfigsResource(), resourceType: BROKER, resourceName: '', configs: Object.entries(configs).map(([name, value]) => ({ ...defaultAlterableConfig(), name, value })) }],
  });
  return r.responses[0]!;
}

function kafkaFor(broker: TestBroker): Kafka {
  return new Kafka({ clientId: 'dyn-cfg', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
}

async function describedValue(admin: Admin, brokerId: number, key: string): Promise<{ configValue: string; configSource?: number } | undefined> {
  const r = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: BROKER, name: String(brokerId), configNames: [key] }] });
  return r.resources[0]?.configEntries.find((e) => e.configName === key) as { configValue: string; configSource?: number } | undefined;
}

jest.setTimeout(30_000);

describe('Integration > dynamic broker configs (kafkajs)', () => {
  let broker: TestBroker;
  let dataDir: string | undefined;
  let raw: RawClient | undefined;
  afterEach(async () => {
    raw?.close();
    raw = undefined;
    await broker.stop().catch(() => undefined);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  it('refuses num.partitions (read-only in Kafka 3.9) and auto-creates topics with the static value', async () => {
    broker = await startTestBroker({ config: { 'num.partitions': 2 } });
    dataDir = broker.dataDir;
    raw = await RawClient.connect(broker.port);
    const kafka = kafkaFor(broker);
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await alterClusterDefault(raw, { 'num.partitions': '5' })).toMatchObject({
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: 'Cannot update these configs dynamically: Set(num.partitions)',
      });
      await expect(admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: String(broker.brokerId), configEntries: [{ name: 'num.partitions', value: '5' }] }] }))
        .rejects.toMatchObject({ type: 'INVALID_REQUEST' });
      expect(await describedValue(admin, broker.brokerId, 'num.partitions')).toMatchObject({ configValue: '2', readOnly: true });

      const producer = kafka.producer({ allowAutoTopicCreation: true });
      await producer.connect();
      await producer.send({ topic: 'dyn-auto-1', messages: [{ value: 'x' }] });
      await producer.disconnect();
      const md = await admin.fetchTopicMetadata({ topics: ['dyn-auto-1'] });
      expect(md.topics[0]!.partitions).toHaveLength(2);
    } finally {
      await admin.disconnect();
    }
  });

  it('applies max.connections.per.ip at once: new connections are refused, open ones keep working, deleting it lifts the limit', async () => {
    broker = await startTestBroker();
    dataDir = broker.dataDir;
    raw = await RawClient.connect(broker.port); // opened before the limit, used to lift it
    const kafka = kafkaFor(broker);
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await admin.connect();
    await producer.connect();
    const id = String(broker.brokerId);
    try {
      await producer.send({ topic: 'dyn-conn', messages: [{ value: 'before' }] });
      // Opens the admin's connection to the broker by id, which describeConfigs uses.
      expect(await describedValue(admin, broker.brokerId, 'max.connections.per.ip')).toMatchObject({ configValue: '2147483647' });
      expect(await probe(broker.port)).toBe('answered');

      // Cluster-wide. The admin and producer already hold connections from 127.0.0.1.
      expect(await alterClusterDefault(raw, { 'max.connections.per.ip': '1' })).toMatchObject({ errorCode: ErrorCode.NONE });
      expect(await probe(broker.port)).toBe('closed');
      await producer.send({ topic: 'dyn-conn', messages: [{ value: 'during-1' }] });
      expect(await describedValue(admin, broker.brokerId, 'max.connections.per.ip')).toMatchObject({ configValue: '1', configSource: 3 }); // DYNAMIC_DEFAULT_BROKER_CONFIG
      // AlterConfigs replaces the whole set: an empty set deletes the override.
      expect(await alterClusterDefault(raw, {})).toMatchObject({ errorCode: ErrorCode.NONE });
      expect(await probe(broker.port)).toBe('answered');

      // Per broker, through kafkajs.
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: id, configEntries: [{ name: 'max.connections.per.ip', value: '1' }] }] });
      expect(await probe(broker.port)).toBe('closed');
      await producer.send({ topic: 'dyn-conn', messages: [{ value: 'during-2' }] });
      expect(await describedValue(admin, broker.brokerId, 'max.connections.per.ip')).toMatchObject({ configValue: '1', configSource: 2 }); // DYNAMIC_BROKER_CONFIG
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: id, configEntries: [] }] });
      expect(await probe(broker.port)).toBe('answered');
      expect(await describedValue(admin, broker.brokerId, 'max.connections.per.ip')).toMatchObject({ configValue: '2147483647', configSource: 5 }); // DEFAULT_CONFIG
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  it('keeps persisted dynamic values in effect after a restart on the same data dir', async () => {
    broker = await startTestBroker();
    dataDir = broker.dataDir;
    raw = await RawClient.connect(broker.port);
    const admin = kafkaFor(broker).admin();
    await admin.connect();
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: String(broker.brokerId), configEntries: [{ name: 'max.connections.per.ip', value: '2' }] }] });
    await admin.disconnect();
    expect(await alterClusterDefault(raw, { 'max.connections': '50' })).toMatchObject({ errorCode: ErrorCode.NONE });
    raw.close();
    await broker.stop();

    broker = await startTestBroker({ dataDir });
    expect(broker.services.dynamicConfig.current()).toMatchObject({ maxConnectionsPerIp: 2, maxConnections: 50 });
    const held = await openSockets(broker.port, 2);
    try {
      await new Promise((r) => setTimeout(r, 50));
      expect(await probe(broker.port)).toBe('closed');
    } finally {
      for (const s of held) s.destroy();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(await probe(broker.port)).toBe('answered');
  });
});
