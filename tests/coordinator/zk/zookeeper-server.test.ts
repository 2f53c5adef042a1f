import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startZooKeeper } from '../../../broker/dev-cluster/zookeeper-server';
import { waitForZooKeeper } from '../../../coordinator/zk/zk-session';

jest.setTimeout(30_000);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitDead(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

describe('dev-cluster ZooKeeper server', () => {
  it('serves sessions on its port and leaves no process behind when stopped, even paused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gregor-zk-srv-'));
    const zk = await startZooKeeper({ dataDir: dir });
    try {
      expect(zk.connectString).toBe(`127.0.0.1:${zk.port}`);
      await waitForZooKeeper(zk.connectString, 5000);
      zk.signal('SIGSTOP');
      await expect(waitForZooKeeper(zk.connectString, 700)).rejects.toThrow(/did not accept a session within 700 ms/);
    } finally {
      await zk.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(alive(zk.pid)).toBe(false);
  });

  it('fails loudly when ZooKeeper is not installed', async () => {
    const path = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      await expect(startZooKeeper({ dataDir: tmpdir() })).rejects.toThrow('ZooKeeper is not installed: apt-get install zookeeper');
    } finally {
      process.env['PATH'] = path;
    }
  });

  it('takes the server down with an owner that was SIGKILLed', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'zk-owner-child.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const javaPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /java (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', () => reject(new Error(`owner exited early: ${out}`)));
    });
    expect(alive(javaPid)).toBe(true);
    child.kill('SIGKILL');
    expect(await waitDead(javaPid, 5000)).toBe(true);
  });
});
