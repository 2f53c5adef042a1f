/**
 * The fault-test harness itself against real processes: brokers of a dev cluster register and
 * are listed by Metadata; kill -9, SIGSTOP/SIGCONT, restart (same port) and SIGTERM do what
 * they say to the broker's own pid; and `gregor dev-cluster` starts a cluster, prints its
 * bootstrap string, and on SIGINT stops everything it started and exits 0; and a process that
 * started a dev cluster and is SIGKILLed leaves no broker and no ZooKeeper behind.
 */
import { spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { probeMetadata } from '../../broker/dev-cluster/metadata-probe';
import { TestCluster, say, sorted } from '../helpers/cluster';

const ROOT = path.resolve(__dirname, '..', '..');

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Cluster harness (real processes)', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start('cluster-harness');
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
  }, 60_000);

  it('starts three brokers that every broker lists, with one controller', async () => {
    await cluster.run('three brokers listed', async () => {
      for (const b of cluster.brokers) {
        const md = await probeMetadata(b.host, b.port, []);
        expect(sorted(md.brokers.map((x) => x.nodeId))).toEqual([1, 2, 3]);
        expect([1, 2, 3]).toContain(md.controllerId);
      }
      expect(cluster.bootstrap.split(',')).toHaveLength(3);
    });
  }, 60_000);

  it('SIGSTOP makes a broker silent and SIGCONT brings it back, same pid', async () => {
    await cluster.run('pause and resume', async () => {
      const b = cluster.broker(2);
      const pid = b.pid;
      b.pause();
      await expect(probeMetadata(b.host, b.port, [], 1000)).rejects.toThrow(/no response within/);
      b.resume();
      const md = await probeMetadata(b.host, b.port, [], 5000);
      expect(md.brokers.length).toBeGreaterThan(0);
      expect(b.pid).toBe(pid);
    });
  }, 60_000);

  it('kill -9 ends the broker at once; restart comes back on the same port and registers', async () => {
    await cluster.run('kill and restart', async () => {
      const b = cluster.broker(3);
      const { pid, port } = b;
      b.kill('SIGKILL');
      expect(await b.exited).toBeNull();
      expect(b.lastExit?.signal).toBe('SIGKILL');
      expect(isRunning(pid)).toBe(false);
      await b.restart();
      expect(b.pid).not.toBe(pid);
      expect(b.port).toBe(port);
      await cluster.dev.waitForBrokers([1, 2, 3], 30_000);
    });
  }, 90_000);

  it('SIGTERM stops a broker gracefully (exit 0) and it starts again', async () => {
    await cluster.run('graceful stop', async () => {
      const b = cluster.broker(1);
      const started = Date.now();
      expect(await b.stop()).toBe(0);
      say(`[cluster-harness] broker 1 stopped by SIGTERM in ${Date.now() - started} ms`);
      await b.start();
      await cluster.dev.waitForBrokers([1, 2, 3], 30_000);
    });
  }, 90_000);
});

describe('gregor dev-cluster (CLI)', () => {
  it('prints the bootstrap string and stops brokers and ZooKeeper on SIGINT, exit 0', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gregor-dev-cluster-cli-'));
    const started = Date.now();
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'broker', 'main.js'), 'dev-cluster', '--brokers', '2', '--base-port', '0', '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/Ctrl-C stops the cluster/.test(out)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`dev-cluster did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      say(`[dev-cluster CLI] started in ${Date.now() - started} ms:\n${out}`);
      const bootstrap = /bootstrap: (\S+)/.exec(out)![1]!;
      const [host, port] = bootstrap.split(',')[0]!.split(':');
      const md = await probeMetadata(host!, Number(port), []);
      expect(sorted(md.brokers.map((b) => b.nodeId))).toEqual([1, 2]);
      const pids = [...out.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
      expect(pids).toHaveLength(3);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out).toMatch(/dev cluster stopped/);
      for (const pid of pids) expect({ pid, running: isRunning(pid) }).toEqual({ pid, running: false });
      for (const id of [1, 2]) expect(fs.readFileSync(path.join(dataDir, `broker-${id}`, 'broker.log'), 'utf8')).toMatch(/broker stopped/);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('Dev cluster owner killed with SIGKILL', () => {
  it('leaves no broker and no ZooKeeper behind', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gregor-dev-cluster-owner-'));
    // The owner runs no exit hooks when SIGKILLed: brokers end through parent-watch.js, ZooKeeper through its watchdog.
    const script = `
      const { startDevCluster } = require(${JSON.stringify(path.join(ROOT, 'dist', 'broker', 'dev-cluster', 'dev-cluster.js'))});
      startDevCluster({ brokers: 2, dataDir: ${JSON.stringify(dataDir)} }).then((c) => {
        process.stdout.write('PIDS ' + [...c.brokers.map((b) => b.pid), c.zookeeper.pid].join(' ') + '\\n');
      }, (e) => { process.stderr.write(String(e)); process.exit(1); });
      setInterval(() => undefined, 1000);`;
    const owner = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    owner.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    owner.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const deadline = Date.now() + 60_000;
      while (!/PIDS [\d ]+\n/.test(out)) {
        if (Date.now() > deadline || owner.exitCode !== null) throw new Error(`the owner did not start a cluster:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const pids = /PIDS ([\d ]+)\n/.exec(out)![1]!.trim().split(' ').map(Number);
      expect(pids).toHaveLength(3);
      for (const pid of pids) expect(isRunning(pid)).toBe(true);
      owner.kill('SIGKILL');
      const gone = Date.now() + 10_000;
      while (pids.some(isRunning) && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
      for (const pid of pids) expect({ pid, running: isRunning(pid) }).toEqual({ pid, running: false });
    } finally {
      owner.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
