/**
 * Starts one Gregor broker as a child process for the benchmarks: compiled dist/ when this file
 * runs compiled, else the TypeScript source through tsx's in-process loader (not the tsx CLI,
 * which would add a wrapper process to the measured RSS). Node runs with BROKER_NODE_FLAGS, as
 * `npm start` does, plus BENCH_NODE_FLAGS from the environment (e.g. --cpu-prof or --trace-gc);
 * BENCH_BROKER_LOG names a file that receives the broker's stdout (its log lines, GC traces).
 */
import { spawn, type ChildProcess } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { BROKER_NODE_FLAGS } from '../broker/node-flags';

/** The repository root, whether this runs as bench/*.ts (tsx) or compiled as dist/bench/*.js. */
export const REPO_ROOT = path.resolve(__dirname, '..', path.basename(path.resolve(__dirname, '..')) === 'dist' ? '..' : '');

export interface BrokerProcess {
  child: ChildProcess;
  host: string;
  port: number;
  /** host:port */
  bootstrap: string;
  dataDir: string;
}

/** `overrides` are extra server.properties key=value pairs. */
export async function startBrokerProcess(dataDirPrefix: string, overrides: readonly string[] = []): Promise<BrokerProcess> {
  const root = REPO_ROOT;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), dataDirPrefix));
  const compiled = path.join(root, 'dist', 'broker', 'main.js');
  const useDist = __filename.endsWith('.js') && fs.existsSync(compiled);
  const entry = useDist ? [compiled] : ['--require', require.resolve('tsx/cjs'), path.join(root, 'broker', 'main.ts')];
  const extraFlags = (process.env['BENCH_NODE_FLAGS'] ?? '').split(' ').filter((f) => f.length > 0);
  const all = ['listeners=PLAINTEXT://127.0.0.1:0', `log.dirs=${dataDir}`, ...overrides];
  const child = spawn(process.execPath, [...BROKER_NODE_FLAGS, ...extraFlags, ...entry, 'broker', ...all.flatMap((o) => ['--override', o]), '--log-level', 'info'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const [host, port] = await new Promise<[string, number]>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker did not start: ${out.slice(-2000)}`));
    }, 30000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on PLAINTEXT:\/\/([0-9.]+):(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve([m[1]!, Number(m[2])]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited ${code}: ${out.slice(-2000)}`));
    });
  });
  const logFile = process.env['BENCH_BROKER_LOG'];
  if (logFile) {
    const sink = fs.createWriteStream(logFile);
    sink.write(out);
    child.stdout!.pipe(sink);
  } else child.stdout!.resume();
  return { child, host, port, bootstrap: `${host}:${port}`, dataDir };
}
