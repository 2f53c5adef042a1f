/**
 * Cluster benchmark: one Gregor broker (embedded store) and a three-broker ZooKeeper cluster
 * (broker/dev-cluster), measured in the same run with the same load generator
 * (../shared/tools/rdbench.c):
 *   - produce N x 100 B: single broker acks=1 (the reference), cluster RF 3 acks=all
 *     (min.insync.replicas=2); target ratio >= 0.35;
 *   - produce-to-ack latency at 2,000 msgs/s, cluster acks=all; target p99 <= 10 ms;
 *   - failover: kill -9 of a partition leader while a producer writes one acks=all message
 *     every 10 ms, to the first acknowledged write on the new leader; target <=
 *     zookeeper.session.timeout.ms + 2 s;
 *   - controlled shutdown: SIGTERM of the leader under the same producer; the longest gap
 *     between two acknowledged writes; target < 2 s.
 * Run: `npm run build && node dist/bench/cluster.js`. BENCH_SCALE (default 1) scales the
 * message counts; BENCH_RUNS (default 3) the throughput and latency runs.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { startDevCluster, type DevCluster } from '../broker/dev-cluster/dev-cluster';
import { startBrokerProcess } from './broker-process';
import { buildRdbench, fmt, measured, median, rdbench, spread, type Measured } from './rdbench';

const SCALE = Number(process.env['BENCH_SCALE'] ?? '1');
const RUNS = Math.max(1, Math.round(Number(process.env['BENCH_RUNS'] ?? '3')));
const SESSION_TIMEOUT_MS = 6000;
const CLUSTER_OVERRIDES = {
  'zookeeper.session.timeout.ms': SESSION_TIMEOUT_MS,
  'min.insync.replicas': 2,
  'default.replication.factor': 3,
  'replica.lag.time.max.ms': 10000,
  'controlled.shutdown.retry.backoff.ms': 500,
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Median cores the broker process(es) and rdbench used during the runs. */
function cores(runs: readonly Measured[]): string {
  const b = median(runs.map((r) => r.brokerCpu / r.secs));
  const c = median(runs.map((r) => r.clientCpu / r.secs));
  return `brokers ${b.toFixed(2)}, rdbench ${c.toFixed(2)} cores`;
}

async function singleBroker(n: number): Promise<Measured[]> {
  const broker = await startBrokerProcess('gregor-bench-cluster-ref-');
  try {
    const b = ['-b', broker.bootstrap];
    const runs: Measured[] = [];
    for (let i = 0; i < RUNS; i++) {
      await rdbench(['produce', ...b, '-t', `ref-${i}`, '-n', '1', '-s', '10', '-a', '1']);
      runs.push(await measured(broker.child.pid!, ['produce', ...b, '-t', `ref-${i}`, '-n', String(n), '-s', '100', '-a', '1']));
    }
    return runs;
  } finally {
    broker.child.kill('SIGTERM');
    await new Promise((r) => broker.child.once('exit', r));
    fs.rmSync(broker.dataDir, { recursive: true, force: true });
  }
}

/** The broker id leading partition 0 of `topic`, from the cluster's metadata. */
async function leaderOf(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    return md.topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;
  } finally {
    await admin.disconnect();
  }
}

/** Writes one acks=all message every 10 ms to partition 0 until stopped; records each send's start and ack time. */
function steadyProducer(producer: Producer, topic: string): { acks: { sent: number; acked: number }[]; stop: () => Promise<void> } {
  const acks: { sent: number; acked: number }[] = [];
  let running = true;
  const loop = (async () => {
    let i = 0;
    while (running) {
      const sent = Date.now();
      try {
        await producer.send({ topic, acks: -1, timeout: 30000, messages: [{ partition: 0, value: `m-${i++}` }] });
        acks.push({ sent, acked: Date.now() });
      } catch {
        // retries exhausted: the next send tries again
      }
      await sleep(10);
    }
  })();
  return {
    acks,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/**
 * Milliseconds from `t0` to the first ack of a write sent after it (a write in flight at t0 may
 * still be acknowledged by the old leader), and the longest gap between acks after t0.
 */
function gapsAfter(acks: readonly { sent: number; acked: number }[], t0: number): { firstAckMs: number; longestGapMs: number } {
  const firstNew = acks.find((a) => a.sent > t0);
  const after = acks.filter((a) => a.acked >= t0).map((a) => a.acked);
  let longest = after.length > 0 ? after[0]! - t0 : Infinity;
  for (let i = 1; i < after.length; i++) longest = Math.max(longest, after[i]! - after[i - 1]!);
  return { firstAckMs: firstNew ? firstNew.acked - t0 : Infinity, longestGapMs: longest };
}

async function faultRun(cluster: DevCluster, kafka: Kafka, topic: string, fault: 'kill' | 'sigterm'): Promise<{ firstAckMs: number; longestGapMs: number; leader: number }> {
  await rdbench(['produce', '-b', cluster.bootstrap, '-t', topic, '-n', '1', '-s', '10', '-a', '-1']);
  const leader = await leaderOf(kafka, topic);
  const producer = kafka.producer({ retry: { retries: 1000, initialRetryTime: 50, maxRetryTime: 200 }, allowAutoTopicCreation: false });
  await producer.connect();
  const p = steadyProducer(producer, topic);
  await sleep(2000);
  const t0 = Date.now();
  const b = cluster.broker(leader);
  if (fault === 'kill') b.kill('SIGKILL');
  else void b.stop();
  const deadline = t0 + 60_000;
  while (Date.now() < deadline && p.acks.filter((a) => a.sent > t0).length < 200) await sleep(100);
  await p.stop();
  await producer.disconnect();
  await b.exited;
  await b.start();
  await cluster.waitForBrokers();
  return { ...gapsAfter(p.acks, t0), leader };
}

async function main(): Promise<void> {
  buildRdbench();
  const loadBefore = os.loadavg().map((l) => l.toFixed(2)).join(', ');
  const n = Math.round(1_000_000 * SCALE);
  const nLat = Math.round(20_000 * SCALE);
  const ref = await singleBroker(n);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gregor-bench-cluster-'));
  const cluster = await startDevCluster({ brokers: 3, dataDir: dir, overrides: CLUSTER_OVERRIDES, logLevel: 'info' });
  const rows: string[] = [];
  try {
    const pids = (): number[] => cluster.brokers.map((x) => x.pid);
    const b = ['-b', cluster.bootstrap];
    const prod: Measured[] = [];
    for (let i = 0; i < RUNS; i++) {
      await rdbench(['produce', ...b, '-t', `rf3-${i}`, '-n', '1', '-s', '10', '-a', '-1']);
      prod.push(await measured(pids(), ['produce', ...b, '-t', `rf3-${i}`, '-n', String(n), '-s', '100', '-a', '-1']));
    }
    await rdbench(['latency', ...b, '-t', 'rf3-lat', '-n', '2000', '-s', '100', '-r', '2000', '-a', '-1']);
    const lat: Measured[] = [];
    for (let i = 0; i < RUNS; i++) lat.push(await measured(pids(), ['latency', ...b, '-t', 'rf3-lat', '-n', String(nLat), '-s', '100', '-r', '2000', '-a', '-1']));
    const latLine = (m: Measured): string => m.out.split('\n').find((l) => l.startsWith('latency_ms')) ?? '';
    const rate = (m: Measured): number => Number(/msgs_per_s=([0-9.]+)/.exec(m.out)?.[1] ?? NaN);
    const ratio = median(prod.map(rate)) / median(ref.map(rate));
    const kafka = new Kafka({ brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, clientId: 'bench-failover' });
    const failover = await faultRun(cluster, kafka, 'failover', 'kill');
    const shutdown = await faultRun(cluster, kafka, 'shutdown', 'sigterm');
    rows.push(`| single broker, produce ${fmt(n)} x 100 B, acks=1 (reference) | ${spread(ref, 'msgs_per_s')} msgs/s | ${spread(ref, 'mb_per_s', 1)} MB/s; ${cores(ref)} | |`);
    rows.push(`| 3 brokers RF 3, produce ${fmt(n)} x 100 B, acks=all, min.insync.replicas=2 | ${spread(prod, 'msgs_per_s')} msgs/s | ${spread(prod, 'mb_per_s', 1)} MB/s; ${ratio.toFixed(2)}x the reference; ${cores(prod)} | >= 0.35x |`);
    rows.push(`| 3 brokers RF 3, produce-to-ack latency at 2,000 msgs/s, acks=all | p50 ${spread(lat, 'p50', 2, latLine)} ms, p99 ${spread(lat, 'p99', 2, latLine)} ms, max ${spread(lat, 'max', 2, latLine)} ms | ${cores(lat)} (rdbench busy-waits) | p99 <= 10 ms |`);
    rows.push(`| failover: kill -9 of leader ${failover.leader} to the first acks=all write on the new leader | ${fmt(failover.firstAckMs)} ms (zookeeper.session.timeout.ms = ${SESSION_TIMEOUT_MS}) | | <= ${fmt(SESSION_TIMEOUT_MS + 2000)} ms |`);
    rows.push(`| controlled shutdown (SIGTERM) of leader ${shutdown.leader}: longest gap between acks=all writes | ${fmt(shutdown.longestGapMs)} ms | | < 2,000 ms |`);
  } finally {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    [
      `Machine: ${os.cpus().length} x ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}; every broker, ZooKeeper and rdbench on these cores.`,
      '',
      `Load average before the run: ${loadBefore}. Throughput and latency ran ${RUNS} times: median (min-max).`,
      '',
      '| benchmark | result | throughput | target |',
      '|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
