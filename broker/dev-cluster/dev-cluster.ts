/**
 * A local Gregor cluster of real processes: one ZooKeeper (Debian's, zookeeper-server.ts) and
 * N brokers (broker-process.ts), for people (`gregor dev-cluster`) and for fault tests.
 *
 * Layout under dataDir: `zookeeper/` (ZooKeeper's data and log), `broker-<id>/logs` (log.dirs)
 * and `broker-<id>/broker.log` (the broker's output). Broker ids are 1..N; the brokers share
 * the ZooKeeper chroot `/gregor` (zookeeper.connect=127.0.0.1:<zk port>/gregor).
 *
 * startDevCluster resolves once every broker logged that it started and a Metadata request to
 * each broker lists all N brokers and a controller. On any failure it SIGKILLs what it started
 * and rejects with the log tails. stop() is the orderly way down: brokers one at a time with
 * SIGTERM (controlled shutdown; the controller last), then ZooKeeper.
 * Units: milliseconds, ports.
 */
import fs from 'fs';
import path from 'path';
import type { MetadataResponse } from '../../protocol/generated/metadata-response';
import { BrokerProcess, type OverrideValue } from './broker-process';
import { probeMetadata } from './metadata-probe';
import { startZooKeeper } from './zookeeper-server';

export interface DevClusterOptions {
  /** Number of brokers (ids 1..brokers). */
  brokers: number;
  dataDir: string;
  /** ZooKeeper client port (default: one the launcher picks). */
  zookeeperPort?: number;
  /** ZooKeeper tick (ms); its session timeouts must lie in [2, 20] ticks. */
  zookeeperTickTimeMs?: number;
  /** Broker i listens on basePort + i - 1; default 0: each broker binds a free port. */
  basePort?: number;
  /** server.properties keys for every broker, over the dev-cluster defaults. */
  overrides?: Readonly<Record<string, OverrideValue>>;
  /** ZooKeeper chroot of the cluster (default /gregor). */
  chroot?: string;
  /** Broker log level (default info). */
  logLevel?: string;
  /** Time allowed for the whole start (default 120000). */
  startTimeoutMs?: number;
}

export type ZooKeeperServer = Awaited<ReturnType<typeof startZooKeeper>>;

export interface DevCluster {
  /** `host:port,host:port,...` of every broker. */
  readonly bootstrap: string;
  readonly dataDir: string;
  readonly zookeeper: ZooKeeperServer;
  /** zookeeper.connect of the brokers (with the chroot). */
  readonly zookeeperConnect: string;
  readonly brokers: readonly BrokerProcess[];
  broker(id: number): BrokerProcess;
  /**
   * Resolves with the metadata once every live broker answers Metadata listing exactly the
   * broker ids `ids` (default: the live ones) and a controller among them.
   */
  waitForBrokers(ids?: readonly number[], timeoutMs?: number): Promise<MetadataResponse>;
  /** Brokers one at a time by SIGTERM (the controller last), then ZooKeeper. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL every broker, then stop ZooKeeper. Safe to call twice. */
  destroy(): Promise<void>;
}

/** Defaults for a cluster of `n` brokers; internal topics get min(3, n) replicas. */
export function devClusterDefaults(n: number): Record<string, OverrideValue> {
  const rf = Math.min(3, n);
  return { 'offsets.topic.replication.factor': rf, 'default.replication.factor': rf, 'transaction.state.log.replication.factor': rf };
}

const POLL_MS = 200;

/** The live brokers' metadata once each lists exactly `ids` and a controller (see DevCluster.waitForBrokers). */
export async function waitForClusterMetadata(brokers: readonly BrokerProcess[], ids: readonly number[], timeoutMs: number): Promise<MetadataResponse> {
  const want = [...ids].sort((a, b) => a - b).join(',');
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    const live = brokers.filter((b) => b.alive && !b.isPaused && ids.includes(b.id));
    let agreed: MetadataResponse | undefined;
    for (const b of live) {
      try {
        const md = await probeMetadata(b.host, b.port, [], 3000);
        const seen = md.brokers.map((x) => x.nodeId).sort((a, c) => a - c).join(',');
        last = `broker ${b.id} lists brokers [${seen}], controller ${md.controllerId}`;
        if (seen !== want || !ids.includes(md.controllerId)) {
          agreed = undefined;
          break;
        }
        agreed = md;
      } catch (e) {
        last = `broker ${b.id}: ${(e as Error).message}`;
        agreed = undefined;
        break;
      }
    }
    if (agreed) return agreed;
    if (Date.now() > deadline) throw new Error(`cluster metadata did not list brokers [${want}] within ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export async function startDevCluster(opts: DevClusterOptions): Promise<DevCluster> {
  if (!Number.isInteger(opts.brokers) || opts.brokers < 1) throw new Error(`brokers must be a positive integer, got ${opts.brokers}`);
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const startTimeoutMs = opts.startTimeoutMs ?? 120_000;
  const deadline = Date.now() + startTimeoutMs;
  const zookeeper = await startZooKeeper({ dataDir: path.join(dataDir, 'zookeeper'), port: opts.zookeeperPort, tickTimeMs: opts.zookeeperTickTimeMs });
  const chroot = opts.chroot ?? '/gregor';
  const zookeeperConnect = `${zookeeper.connectString}${chroot}`;
  const overrides = { ...devClusterDefaults(opts.brokers), ...opts.overrides };
  const brokers: BrokerProcess[] = [];
  for (let id = 1; id <= opts.brokers; id++) {
    brokers.push(
      new BrokerProcess({
        id,
        zookeeperConnect,
        dataDir: path.join(dataDir, `broker-${id}`),
        port: opts.basePort ? opts.basePort + id - 1 : 0,
        overrides,
        logLevel: opts.logLevel,
        readyTimeoutMs: startTimeoutMs,
      }),
    );
  }

  let stopping: Promise<void> | undefined;
  const broker = (id: number): BrokerProcess => {
    const b = brokers.find((x) => x.id === id);
    if (!b) throw new Error(`no broker ${id} (brokers are 1..${brokers.length})`);
    return b;
  };
  const waitForBrokers = (ids?: readonly number[], timeoutMs = 60_000): Promise<MetadataResponse> =>
    waitForClusterMetadata(
      brokers,
      ids ?? brokers.filter((b) => b.alive).map((b) => b.id),
      timeoutMs,
    );
  const destroy = (): Promise<void> => {
    stopping ??= (async () => {
      await Promise.all(brokers.map((b) => b.destroy()));
      await zookeeper.stop();
    })();
    return stopping;
  };
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      let controllerId = -1;
      const live = brokers.filter((b) => b.alive && !b.isPaused);
      for (const b of live) {
        controllerId = await probeMetadata(b.host, b.port, [], 2000).then(
          (md) => md.controllerId,
          () => -1,
        );
        if (controllerId >= 0) break;
      }
      const order = [...brokers].sort((a, b) => (a.id === controllerId ? 1 : 0) - (b.id === controllerId ? 1 : 0) || a.id - b.id);
      for (const b of order) await b.stop();
      await zookeeper.stop();
    })();
    return stopping;
  };

  try {
    await Promise.all(brokers.map((b) => b.start()));
    await waitForClusterMetadata(
      brokers,
      brokers.map((b) => b.id),
      Math.max(1000, deadline - Date.now()),
    );
  } catch (e) {
    await destroy().catch(() => undefined);
    const tails = brokers.map((b) => `--- broker ${b.id} (${b.logFile}):\n${b.tail(20)}`).join('\n');
    throw new Error(`dev cluster did not start: ${(e as Error).message}\n${tails}`);
  }
  return {
    get bootstrap() {
      return brokers.map((b) => b.bootstrap).join(',');
    },
    dataDir,
    zookeeper,
    zookeeperConnect,
    brokers,
    broker,
    waitForBrokers,
    stop,
    destroy,
  };
}
