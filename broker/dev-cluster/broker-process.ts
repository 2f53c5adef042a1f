/**
 * One Gregor broker as its own OS process, for dev clusters and fault tests: kill -9, SIGSTOP
 * and SIGTERM reach the broker itself (the spawned pid is the Node process running
 * dist/broker/main.js, no wrapper).
 *
 * Command: node <BROKER_NODE_FLAGS> --require parent-watch.js dist/broker/main.js broker
 *   --override <extra overrides...> --override broker.id=N --override zookeeper.connect=Z
 *   --override listeners=PLAINTEXT://host:port --override log.dirs=<dataDir>/logs
 * (the four fixed keys come last, so they win over extras of the same name).
 *
 * Invariants:
 * - stdout and stderr of every incarnation go to `<dataDir>/broker.log`, appended, each start
 *   preceded by a `=== gregor dev-cluster: start N of broker ID ===` line; the file descriptor is
 *   the child's own, so a stopped (SIGSTOP) broker never blocks on a pipe and its last words
 *   survive a kill.
 * - `ready` resolves when this incarnation logs "Gregor broker N started: listening on ..."
 *   (printed after it registered in ZooKeeper and received the controller's first metadata);
 *   it rejects, with the log tail, when the process exits first or after readyTimeoutMs.
 * - Port 0 means the broker binds a free port; the port it reports is kept for every restart,
 *   so bootstrap strings stay valid.
 * - Every running child is tracked (child-registry.ts) and killed when this process exits.
 * Units: milliseconds.
 */
import { spawn, type ChildProcess } from 'child_process';
import fs from 'fs';
import path from 'path';
import { BROKER_NODE_FLAGS } from '../node-flags';
import { trackChild } from './child-registry';
import { fileSize, readFrom, tailLog } from './log-file';

export type OverrideValue = string | number | boolean;

export interface BrokerProcessOptions {
  id: number;
  /** `host:port/chroot` of ZooKeeper. */
  zookeeperConnect: string;
  /** The broker's own directory: log.dirs is `<dataDir>/logs`, output goes to `<dataDir>/broker.log`. */
  dataDir: string;
  /** Listener port; 0 (default) lets the broker pick a free one, kept across restarts. */
  port?: number;
  /** Listener host (default 127.0.0.1). */
  host?: string;
  /** Extra server.properties keys. */
  overrides?: Readonly<Record<string, OverrideValue>>;
  /** trace|debug|info|warn|error (default info). */
  logLevel?: string;
  /** Time allowed from spawn to the "started" line (default 90000). */
  readyTimeoutMs?: number;
  /** The broker CLI (default: dist/broker/main.js of this package). */
  entry?: string;
}

/** dist/broker/main.js, whether this module runs compiled (dist/) or as TypeScript (tests). */
export function defaultBrokerEntry(): string {
  return __filename.endsWith('.js') ? path.resolve(__dirname, '..', 'main.js') : path.resolve(__dirname, '..', '..', 'dist', 'broker', 'main.js');
}

function parentWatchPreload(entry: string): string {
  return path.join(path.dirname(entry), 'dev-cluster', 'parent-watch.js');
}

const STARTED = /Gregor broker (-?\d+) started: listening on [A-Z_]+:\/\/[^:,\s]+:(\d+)/;
const READY_POLL_MS = 50;
const DEFAULT_READY_TIMEOUT_MS = 90_000;
const DEFAULT_STOP_TIMEOUT_MS = 60_000;

/** Swallows a rejection nobody awaited (the promise is still returned to those who do). */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

export class BrokerProcess {
  readonly id: number;
  readonly dataDir: string;
  readonly logDir: string;
  readonly logFile: string;
  readonly host: string;
  private portValue: number;
  private child: ChildProcess | undefined;
  private untrack: () => void = () => undefined;
  private starts = 0;
  private paused = false;
  private readyPromise: Promise<void> = Promise.reject(new Error('not started'));
  private exitedPromise: Promise<number | null> = Promise.resolve(null);
  /** Exit code and signal of the last incarnation that exited. */
  lastExit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(private readonly opts: BrokerProcessOptions) {
    quiet(this.readyPromise);
    this.id = opts.id;
    this.dataDir = opts.dataDir;
    this.logDir = path.join(opts.dataDir, 'logs');
    this.logFile = path.join(opts.dataDir, 'broker.log');
    this.host = opts.host ?? '127.0.0.1';
    this.portValue = opts.port ?? 0;
  }

  /** The listener port (0 until the first start reported it). */
  get port(): number {
    return this.portValue;
  }

  get bootstrap(): string {
    return `${this.host}:${this.portValue}`;
  }

  /** pid of the current incarnation (-1 when none was started). */
  get pid(): number {
    return this.child?.pid ?? -1;
  }

  /** True from spawn until the exit of the current incarnation (also while paused). */
  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get isPaused(): boolean {
    return this.paused && this.alive;
  }

  /** The current incarnation's start (see the class comment). */
  get ready(): Promise<void> {
    return this.readyPromise;
  }

  /** Exit code of the current incarnation, null when a signal ended it. */
  get exited(): Promise<number | null> {
    return this.exitedPromise;
  }

  /** Spawns the broker; resolves when it is ready. */
  start(): Promise<void> {
    if (this.alive) throw new Error(`broker ${this.id} is already running (pid ${this.pid})`);
    const entry = this.opts.entry ?? defaultBrokerEntry();
    if (!fs.existsSync(entry)) throw new Error(`${entry} not found: run \`npm run build\` first`);
    fs.mkdirSync(this.logDir, { recursive: true });
    this.starts++;
    fs.appendFileSync(this.logFile, `=== gregor dev-cluster: start ${this.starts} of broker ${this.id} at ${new Date().toISOString()} ===\n`);
    const from = fileSize(this.logFile);
    const overrides: Record<string, OverrideValue> = {
      ...this.opts.overrides,
      'broker.id': this.id,
      'zookeeper.connect': this.opts.zookeeperConnect,
      listeners: `PLAINTEXT://${this.host}:${this.portValue}`,
      'log.dirs': this.logDir,
    };
    const preload = parentWatchPreload(entry);
    const args = [
      ...BROKER_NODE_FLAGS,
      ...(fs.existsSync(preload) ? ['--require', preload] : []),
      entry,
      'broker',
      ...Object.entries(overrides).flatMap(([k, v]) => ['--override', `${k}=${String(v)}`]),
      '--log-level',
      this.opts.logLevel ?? 'info',
    ];
    const out = fs.openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      // Own process group: a terminal's Ctrl-C reaches the dev-cluster CLI only, which then
      // stops the brokers in order.
      child = spawn(process.execPath, args, { cwd: path.resolve(path.dirname(entry), '..', '..'), stdio: ['ignore', out, out], detached: true });
    } finally {
      fs.closeSync(out);
    }
    this.child = child;
    this.paused = false;
    if (child.pid !== undefined) this.untrack = trackChild(child.pid, `gregor broker ${this.id}`);
    this.exitedPromise = new Promise<number | null>((resolve) => {
      child.once('exit', (code, signal) => {
        this.untrack();
        this.lastExit = { code, signal };
        resolve(code);
      });
      child.once('error', (e) => {
        fs.appendFileSync(this.logFile, `spawn failed: ${e.message}\n`);
        this.untrack();
        this.lastExit = { code: null, signal: null };
        resolve(null);
      });
    });
    this.readyPromise = quiet(this.waitReady(child, from, this.opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS));
    return this.readyPromise;
  }

  private waitReady(child: ChildProcess, from: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        const m = STARTED.exec(readFrom(this.logFile, from));
        if (m) {
          if (this.portValue === 0) this.portValue = Number(m[2]);
          resolve();
          return;
        }
        if (child.exitCode !== null || child.signalCode !== null) {
          reject(new Error(`broker ${this.id} exited (code ${child.exitCode}, signal ${child.signalCode}) before it started; ${this.logFile}:\n${tailLog(this.logFile, 30)}`));
          return;
        }
        if (Date.now() > deadline) {
          reject(new Error(`broker ${this.id} (pid ${child.pid}) did not start within ${timeoutMs} ms; ${this.logFile}:\n${tailLog(this.logFile, 30)}`));
          return;
        }
        setTimeout(check, READY_POLL_MS);
      };
      check();
    });
  }

  /** Sends `signal` (default SIGKILL) to the current incarnation; a no-op once it exited. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.alive) return;
    process.kill(this.pid, signal);
    if (signal === 'SIGSTOP') this.paused = true;
    if (signal === 'SIGCONT') this.paused = false;
  }

  /** SIGSTOP: the process stays alive but runs nothing (no heartbeats, no fetches, no answers). */
  pause(): void {
    this.kill('SIGSTOP');
  }

  /** SIGCONT after pause(). */
  resume(): void {
    this.kill('SIGCONT');
  }

  /**
   * SIGTERM (after SIGCONT when paused) and waits for the exit: the broker's graceful stop,
   * controlled shutdown included. SIGKILL after timeoutMs. Resolves with the exit code.
   */
  async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<number | null> {
    if (!this.alive) return this.lastExit?.code ?? null;
    if (this.paused) this.resume();
    this.kill('SIGTERM');
    const exited = this.exitedPromise;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const r = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (r === 'timeout') {
      fs.appendFileSync(this.logFile, `=== gregor dev-cluster: broker ${this.id} did not stop within ${timeoutMs} ms of SIGTERM: SIGKILL ===\n`);
      this.kill('SIGKILL');
      return exited;
    }
    return r;
  }

  /** SIGKILL and wait for the exit. */
  async destroy(): Promise<void> {
    this.kill('SIGKILL');
    await this.exitedPromise;
  }

  /** Stops the running incarnation gracefully (if any), starts a new one on the same port and data. */
  async restart(stopTimeoutMs?: number): Promise<void> {
    if (this.alive) await this.stop(stopTimeoutMs);
    await this.start();
  }

  /** The last `lines` lines of the log file, formatted. */
  tail(lines = 40): string {
    return tailLog(this.logFile, lines);
  }
}
