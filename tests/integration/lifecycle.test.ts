import net from 'net';
import { spawn } from 'child_process';
import fs from 'fs';
import path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { ApiKey } from '../../protocol/generated/api-keys';
import { defaultFetchPartition, defaultFetchRequest, type FetchRequest } from '../../protocol/generated/fetch-request';
import type { FetchResponse } from '../../protocol/generated/fetch-response';
import { startTestBroker, tempDir } from './helpers';
import { RawClient } from '../../bench/raw-client';

process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
jest.setTimeout(60000);

const ROOT = path.join(__dirname, '..', '..');

describe('Integration > broker lifecycle', () => {
  it('keeps topics, configs, data and committed offsets across a graceful restart', async () => {
    const dataDir = tempDir();
    let broker = await startTestBroker({ dataDir });
    const id = broker.brokerId;
    let kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'keep', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '123456' }] }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'keep', messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();
    await admin.setOffsets({ groupId: 'keeper', topic: 'keep', partitions: [{ partition: 0, offset: '2' }] });
    const topicId = broker.services.metadataCache.topic('keep')!.topicId;
    await admin.disconnect();
    await broker.stop();
    expect(fs.existsSync(path.join(dataDir, '.kafka_cleanshutdown'))).toBe(true);

    broker = await startTestBroker({ dataDir });
    try {
      expect(broker.brokerId).toBe(id);
      expect(broker.services.metadataCache.topic('keep')!.topicId).toBe(topicId);
      kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
      const admin2 = kafka.admin();
      await admin2.connect();
      const offsets = await admin2.fetchTopicOffsets('keep');
      expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(30);
      const cfg = await admin2.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'keep', configNames: ['retention.ms'] }] });
      expect(cfg.resources[0]!.configEntries[0]!.configValue).toBe('123456');
      const committed = await admin2.fetchOffsets({ groupId: 'keeper', topics: ['keep'] });
      expect(committed[0]!.partitions.find((p) => p.partition === 0)!.offset).toBe('2');
      await admin2.disconnect();
    } finally {
      await broker.destroy();
    }
  });

  it('listens with the socket.listen.backlog.size backlog', async () => {
    const listen = jest.spyOn(net.Server.prototype, 'listen');
    try {
      const b = await startTestBroker({ config: { 'socket.listen.backlog.size': '7' } });
      await b.destroy();
      expect(listen.mock.calls.some(([opts]) => typeof opts === 'object' && opts !== null && (opts as net.ListenOptions).backlog === 7)).toBe(true);
    } finally {
      listen.mockRestore();
    }
  });

  it('graceful stop answers an in-flight long poll at once instead of waiting for max.wait.ms', async () => {
    const broker = await startTestBroker();
    await broker.services.topicAdmin.createTopic({ name: 'lp', numPartitions: 1, replicationFactor: 1, assignments: new Map(), configs: {} }, false);
    const client = await RawClient.connect(broker.port);
    const t0 = Date.now();
    const poll = client.request<FetchRequest, FetchResponse>(ApiKey.Fetch, 11, {
      ...defaultFetchRequest(),
      maxWaitMs: 20000,
      minBytes: 1,
      maxBytes: 1000,
      topics: [{ topic: 'lp', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ ...defaultFetchPartition(), partition: 0, fetchOffset: 0n, partitionMaxBytes: 1000 }] }],
    });
    await new Promise((r) => setTimeout(r, 100));
    await broker.destroy();
    const r = await poll;
    expect(r.responses[0]!.partitions[0]!.errorCode).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
    client.close();
  });

  it('CLI: starts with overrides, logs one startup line, and exits 0 on SIGTERM after a clean shutdown', async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'broker/main.ts', 'broker', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', `log.dirs=${dataDir}`, '--override', 'num.io.threads=8', '--override', 'no.such.key=1'], { cwd: ROOT, env: { ...process.env, GREGOR_LOG_LEVEL: 'info' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const end = Date.now() + 30000;
    while (!out.includes('started') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const started = out.split('\n').filter((l) => l.includes('started')).map((l) => JSON.parse(l) as { msg: string; mode: string; logDirs: string[] });
    expect(started.length).toBe(1);
    expect(started[0]!.msg).toMatch(/listening on PLAINTEXT:\/\/127\.0\.0\.1:\d+/);
    expect(started[0]!.mode).toMatch(/single-node/);
    expect(started[0]!.logDirs).toEqual([dataDir]);
    expect(out).toContain("config key 'num.io.threads' is accepted but not needed");
    expect(out).toMatch(/"level":40[^\n]*unknown config key 'no.such.key' ignored/);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    expect(fs.existsSync(path.join(dataDir, '.kafka_cleanshutdown'))).toBe(true);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('CLI: a ZooKeeper that cannot be reached stops startup with a message naming it, exit 1', async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'broker/main.ts', 'broker', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', `log.dirs=${dataDir}`, '--override', 'zookeeper.connect=127.0.0.1:1/gregor', '--override', 'zookeeper.connection.timeout.ms=1500'], { cwd: ROOT });
    let all = '';
    child.stdout.on('data', (d: Buffer) => (all += d.toString()));
    child.stderr.on('data', (d: Buffer) => (all += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(all).toMatch(/127\.0\.0\.1:1/);
    expect(all).not.toMatch(/started: listening/);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('CLI: an invalid value stops startup with one line naming key, value and what is allowed', async () => {
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'broker/main.ts', 'broker', '--override', 'num.partitions=many'], { cwd: ROOT });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    const lines = err.trim().split('\n');
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(/num\.partitions: invalid value 'many'; allowed is an int >= 1/);
  });
});
