/**
 * Fault-test harness: one dev cluster (ZooKeeper + N broker processes, broker/dev-cluster/) per
 * test file in a temp dir, with timeouts short enough for tests, and the questions fault tests
 * ask of it: who leads a partition, who is in its ISR, who is the controller, who coordinates a
 * group. Every answer comes from Metadata / FindCoordinator requests on the wire
 * (broker/dev-cluster/metadata-probe.ts), asked of every live, unpaused broker; a wait succeeds
 * when all of them agree (a SIGSTOPped broker answers nothing and is not asked).
 *
 * The data dir is removed by destroy() unless a test failed (then its path is printed) or
 * GREGOR_KEEP_CLUSTER=1. GREGOR_CLUSTER_LOG_LEVEL sets the brokers' log level (default info).
 * Units: milliseconds.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import type { BrokerProcess, OverrideValue } from '../../broker/dev-cluster/broker-process';
import { startDevCluster, type DevCluster } from '../../broker/dev-cluster/dev-cluster';
import { grepLog } from '../../broker/dev-cluster/log-file';
import { probeMetadata } from '../../broker/dev-cluster/metadata-probe';
import { ApiKey } from '../../protocol/generated/api-keys';
import { defaultFindCoordinatorRequest } from '../../protocol/generated/find-coordinator-request';
import type { FindCoordinatorResponse } from '../../protocol/generated/find-coordinator-response';
import type { MetadataResponse } from '../../protocol/generated/metadata-response';
import { InterBrokerClient } from '../../replication/inter-broker-client';

/** Broker settings of every test cluster (Kafka's defaults are minutes; these are seconds). */
export const TEST_CLUSTER_OVERRIDES: Readonly<Record<string, OverrideValue>> = {
  // ZooKeeper's tick is 200 ms (zookeeper-server.ts): sessions may be 400..12000 ms.
  'zookeeper.session.timeout.ms': 6000,
  'replica.lag.time.max.ms': 3000,
  'offsets.topic.replication.factor': 3,
  // 6 instead of 50: fewer partitions to create and to move on every failover.
  'offsets.topic.num.partitions': 6,
  'default.replication.factor': 3,
  'min.insync.replicas': 2,
  'group.initial.rebalance.delay.ms': 0,
  'controlled.shutdown.retry.backoff.ms': 500,
  'leader.imbalance.check.interval.seconds': 5,
  'auto.create.topics.enable': false,
};

export interface PartitionView {
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offline: number[];
  errorCode: number;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 100;

/** Prints a line to the test output at once (not jest's buffered console). */
export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** A sorted copy (ISR and replica lists compare as sets). */
export const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

export class TestCluster {
  private failed = false;

  private constructor(
    readonly name: string,
    readonly dev: DevCluster,
  ) {}

  /** Starts ZooKeeper and `brokers` (default 3) brokers with TEST_CLUSTER_OVERRIDES + `overrides`. */
  static async start(name: string, opts: { brokers?: number; overrides?: Record<string, OverrideValue> } = {}): Promise<TestCluster> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `gregor-${name}-`));
    const started = Date.now();
    const dev = await startDevCluster({
      brokers: opts.brokers ?? 3,
      dataDir,
      overrides: { ...TEST_CLUSTER_OVERRIDES, ...opts.overrides },
      logLevel: process.env['GREGOR_CLUSTER_LOG_LEVEL'] ?? 'info',
    });
    say(`[${name}] cluster of ${dev.brokers.length} brokers started in ${Date.now() - started} ms: ${dev.bootstrap}, ZooKeeper ${dev.zookeeperConnect}, data ${dataDir}`);
    return new TestCluster(name, dev);
  }

  get bootstrap(): string {
    return this.dev.bootstrap;
  }

  get brokers(): readonly BrokerProcess[] {
    return this.dev.brokers;
  }

  broker(id: number): BrokerProcess {
    return this.dev.broker(id);
  }

  /** Brokers that are running and not paused: the ones that answer requests. */
  responsive(): BrokerProcess[] {
    return this.dev.brokers.filter((b) => b.alive && !b.isPaused);
  }

  /**
   * A kafkajs client bootstrapped on every broker. Its request timeout (6 s) is what frees it
   * from a SIGSTOPped broker, which accepts connections but never answers; kafkajs retries a
   * timed-out request without refreshing metadata, so producers also refresh metadata often
   * (cluster-load.ts).
   */
  kafka(clientId: string, config: Partial<KafkaConfig> = {}): Kafka {
    return new Kafka({
      clientId,
      brokers: this.bootstrap.split(','),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 6000,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
      ...config,
    });
  }

  /** Metadata of `topics` (null: all) from broker `via`, else the first responsive broker that answers. */
  async metadata(topics: readonly string[] | null = null, via?: number): Promise<MetadataResponse> {
    const candidates = via !== undefined ? [this.broker(via)] : this.responsive();
    let last: unknown = new Error('no responsive broker');
    for (const b of candidates) {
      try {
        return await probeMetadata(b.host, b.port, topics, 3000);
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }

  /** The partition as broker `via` (or the first responsive one) describes it. */
  async partition(topic: string, partition: number, via?: number): Promise<PartitionView> {
    return viewOf(await this.metadata([topic], via), topic, partition);
  }

  /** Resolves once every responsive broker describes the partition so that `pred` holds. */
  async waitForPartition(topic: string, partition: number, pred: (p: PartitionView) => boolean, what: string, timeoutMs = 30000): Promise<PartitionView> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    for (;;) {
      const views: PartitionView[] = [];
      for (const b of this.responsive()) {
        try {
          const v = viewOf(await probeMetadata(b.host, b.port, [topic], 3000), topic, partition);
          views.push(v);
          last = `broker ${b.id}: leader ${v.leader} epoch ${v.leaderEpoch} isr [${v.isr}] replicas [${v.replicas}] error ${v.errorCode}`;
          if (!pred(v)) break;
        } catch (e) {
          last = `broker ${b.id}: ${(e as Error).message}`;
          break;
        }
      }
      if (views.length > 0 && views.length === this.responsive().length && views.every(pred)) return views[0]!;
      if (Date.now() > deadline) throw new Error(`${topic}-${partition}: timed out after ${timeoutMs} ms waiting for ${what}; last seen ${last}`);
      await sleep(POLL_MS);
    }
  }

  /** The leader every responsive broker agrees on (a responsive broker itself). */
  async leaderOf(topic: string, partition: number, timeoutMs = 30000): Promise<PartitionView> {
    const ok = new Set(this.responsive().map((b) => b.id));
    return this.waitForPartition(topic, partition, (p) => p.errorCode === 0 && ok.has(p.leader), 'a responsive leader', timeoutMs);
  }

  /** Resolves with the controller id once every responsive broker names the same one satisfying `pred`. */
  async waitForController(pred: (id: number) => boolean, what: string, timeoutMs = 30000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    for (;;) {
      const ids: number[] = [];
      for (const b of this.responsive()) {
        const id = await probeMetadata(b.host, b.port, [], 3000).then(
          (m) => m.controllerId,
          () => -2,
        );
        ids.push(id);
        last = `broker ${b.id} names controller ${id}`;
      }
      if (ids.length > 0 && ids.every((id) => id === ids[0]) && pred(ids[0]!)) return ids[0]!;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last} (all: [${ids}])`);
      await sleep(POLL_MS);
    }
  }

  /** The controller every responsive broker names (a responsive broker). */
  controller(timeoutMs = 30000): Promise<number> {
    const ok = new Set(this.responsive().map((b) => b.id));
    return this.waitForController((id) => ok.has(id), 'a responsive controller', timeoutMs);
  }

  /** The coordinator of `groupId` (FindCoordinator), once a responsive broker names a responsive one. */
  async coordinatorOf(groupId: string, timeoutMs = 30000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    for (;;) {
      for (const b of this.responsive()) {
        const client = new InterBrokerClient({ host: b.host, port: b.port, clientId: 'cluster-test', requestTimeoutMs: 3000, connectTimeoutMs: 3000 });
        try {
          const r = await client.request<FindCoordinatorResponse>(ApiKey.FindCoordinator, 3, { ...defaultFindCoordinatorRequest(), key: groupId, keyType: 0 });
          last = `broker ${b.id}: error ${r.errorCode} node ${r.nodeId}`;
          if (r.errorCode === 0 && this.responsive().some((x) => x.id === r.nodeId)) return r.nodeId;
        } catch (e) {
          last = `broker ${b.id}: ${(e as Error).message}`;
        } finally {
          client.close();
        }
      }
      if (Date.now() > deadline) throw new Error(`no coordinator for group ${groupId} within ${timeoutMs} ms; last: ${last}`);
      await sleep(POLL_MS);
    }
  }

  /** Creates a topic (kafkajs admin) and waits until every partition has a leader and all `rf` replicas in its ISR. */
  async createTopic(topic: string, partitions: number, rf = 3, configs: Record<string, string> = {}): Promise<void> {
    const admin = this.kafka(`create-${topic}`).admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor: rf, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
        waitForLeaders: false,
        timeout: 20000,
      });
    } finally {
      await admin.disconnect();
    }
    await this.waitForFullIsr(topic, partitions, rf);
  }

  /** Waits until every partition of `topic` has a responsive leader and `rf` replicas in its ISR. */
  async waitForFullIsr(topic: string, partitions: number, rf = 3, timeoutMs = 30000): Promise<void> {
    for (let p = 0; p < partitions; p++) {
      await this.waitForPartition(topic, p, (v) => v.errorCode === 0 && v.leader >= 0 && v.isr.length === rf, `a leader and ${rf} replicas in the ISR`, timeoutMs);
    }
  }

  /** Resumes paused brokers and restarts dead ones; waits until all are registered again. */
  async restoreAll(timeoutMs = 60000): Promise<void> {
    for (const b of this.brokers) if (b.isPaused) b.resume();
    await Promise.all(this.brokers.filter((b) => !b.alive).map((b) => b.start()));
    await this.dev.waitForBrokers(
      this.brokers.map((b) => b.id),
      timeoutMs,
    );
  }

  /** Matching lines of every broker's log, prefixed with the broker id (evidence for reports). */
  grep(pattern: RegExp, limit = 20): string[] {
    return this.brokers.flatMap((b) => grepLog(b.logFile, pattern, limit).map((l) => `broker ${b.id}: ${l}`));
  }

  /** The tail of every broker's log. */
  tails(lines = 40): string {
    return this.brokers.map((b) => `----- broker ${b.id} (pid ${b.pid}, ${b.alive ? (b.isPaused ? 'paused' : 'running') : 'exited'}) ${b.logFile}\n${b.tail(lines)}`).join('\n');
  }

  /**
   * Runs a test body; on failure prints every broker's log tail, marks the data dir to be kept,
   * and rethrows. Brokers killed or paused by the body are restored afterwards (unless
   * `restore` is false: a later test continues from this one's state).
   */
  async run(label: string, body: () => Promise<void>, opts: { restore?: boolean } = {}): Promise<void> {
    const started = Date.now();
    try {
      await body();
      say(`[${this.name}] ${label}: passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (e) {
      this.failed = true;
      say(`[${this.name}] ${label}: FAILED after ${((Date.now() - started) / 1000).toFixed(1)} s: ${(e as Error).message}\n${this.tails(40)}`);
      throw e;
    } finally {
      if (opts.restore !== false) await this.restoreAll().catch((e: unknown) => say(`[${this.name}] could not restore the cluster after ${label}: ${(e as Error).message}`));
    }
  }

  /** SIGKILLs every broker and ZooKeeper; removes the data dir unless a test failed. */
  async destroy(): Promise<void> {
    await this.dev.destroy();
    if (this.failed || process.env['GREGOR_KEEP_CLUSTER'] === '1') say(`[${this.name}] cluster data and logs kept in ${this.dev.dataDir}`);
    else fs.rmSync(this.dev.dataDir, { recursive: true, force: true });
  }
}

function viewOf(md: MetadataResponse, topic: string, partition: number): PartitionView {
  const t = md.topics.find((x) => x.name === topic);
  const p = t?.partitions.find((x) => x.partitionIndex === partition);
  if (!t || !p) return { leader: -1, leaderEpoch: -1, replicas: [], isr: [], offline: [], errorCode: t?.errorCode || 3 };
  return { leader: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: sorted(p.replicaNodes), isr: sorted(p.isrNodes), offline: sorted(p.offlineReplicas), errorCode: p.errorCode || t.errorCode };
}
