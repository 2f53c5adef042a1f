/**
 * A real standalone ZooKeeper server for tests and `gregor dev-cluster`: Debian's package
 * (`apt-get install zookeeper`), run as `java ... ZooKeeperServerMain <zoo.cfg>` with a generated
 * zoo.cfg under `dataDir`.
 *
 * Invariant: no java process outlives its owner. stop() ends it (SIGKILL after a grace period,
 * after SIGCONT in case a test paused it); a process 'exit' hook kills whatever is still
 * running; and the server runs under a small shell watchdog that kills it when this process's
 * end of the watchdog's stdin closes, which also covers a SIGKILLed owner.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForZooKeeper } from '../../coordinator/zk/zk-session';

export const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
const ZOOKEEPER_CONF_DIR = '/etc/zookeeper/conf';
const NOT_INSTALLED = 'ZooKeeper is not installed: apt-get install zookeeper';

export interface ZooKeeperServerOptions {
  /** Holds zoo.cfg and the server's data (created if missing). */
  readonly dataDir: string;
  /** Client port; 0 or absent picks a free one. */
  readonly port?: number;
  /** ZooKeeper's tick; session timeouts are negotiated between 2 and 20 ticks. Default 200 ms. */
  readonly tickTimeMs?: number;
  /** How long to wait for the server to answer. Default 30 s. */
  readonly startTimeoutMs?: number;
}

export interface ZooKeeperServer {
  readonly port: number;
  /** `127.0.0.1:<port>` */
  readonly connectString: string;
  /** The java process. */
  readonly pid: number;
  /** Ends the server and waits for the process to exit. Idempotent. */
  stop(): Promise<void>;
  /** Sends a signal to the java process (SIGSTOP / SIGCONT pause and resume it). */
  signal(sig: NodeJS.Signals): void;
}

/** Launcher shell -> java pid, for the exit hook. */
const running = new Map<ChildProcess, number>();
let exitHookInstalled = false;

export async function startZooKeeper(opts: ZooKeeperServerOptions): Promise<ZooKeeperServer> {
  assertInstalled();
  if (opts.port) return startOnPort(opts, opts.port);
  // A port nobody listens on; another process may take it first, then the server fails to bind.
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await startOnPort(opts, unusedPort());
    } catch (e) {
      lastError = e;
      if (!/Address already in use|BindException/.test((e as Error).message)) throw e;
    }
  }
  throw lastError;
}

async function startOnPort(opts: ZooKeeperServerOptions, port: number): Promise<ZooKeeperServer> {
  const tick = opts.tickTimeMs ?? 200;
  mkdirSync(join(opts.dataDir, 'data'), { recursive: true });
  const cfgPath = join(opts.dataDir, 'zoo.cfg');
  const cfg = [
    `tickTime=${tick}`,
    `dataDir=${join(opts.dataDir, 'data')}`,
    `clientPort=${port}`,
    'clientPortAddress=127.0.0.1',
    `minSessionTimeout=${2 * tick}`,
    `maxSessionTimeout=${60 * tick}`,
    'admin.enableServer=false',
    '4lw.commands.whitelist=srvr',
    'maxClientCnxns=0',
  ];
  writeFileSync(cfgPath, cfg.join('\n') + '\n');

  const java = ['java', '-Xms16m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Dzookeeper.jmx.log4j.disable=true', '-cp', `${ZOOKEEPER_CONF_DIR}:${ZOOKEEPER_JAR}`, 'org.apache.zookeeper.server.ZooKeeperServerMain', cfgPath];
  // The shell prints the java pid and exits with java; its background watchdog holds our end of
  // stdin (as fd 3: an asynchronous list's own stdin is /dev/null) and kills java at EOF.
  const script = [
    'exec 3<&0',
    `${java.map(shellQuote).join(' ')} </dev/null 3<&- &`,
    'jp=$!',
    'echo "pid $jp"',
    '(read _ignored <&3; kill -9 $jp 2>/dev/null) &',
    'exec 3<&-',
    'wait $jp',
  ].join('\n');
  const child = spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
  const output: string[] = [];
  const remember = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 200) output.shift();
  };
  child.stderr!.on('data', remember);
  child.stdin!.on('error', () => undefined); // EPIPE once the watchdog is gone
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let dead = false;
  void exited.then(() => {
    dead = true;
    running.delete(child);
  });

  const pid = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const m = /pid (\d+)\n/.exec(buffered);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.on('data', remember);
        remember(Buffer.from(buffered.slice(m.index + m[0].length)));
        resolve(Number(m[1]));
        track(child, Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(() => reject(new Error(`ZooKeeper launcher exited early: ${output.join('').slice(-2000)}`)));
  });

  const server: ZooKeeperServer = {
    port,
    connectString: `127.0.0.1:${port}`,
    pid,
    signal(sig) {
      if (!dead) process.kill(pid, sig);
    },
    async stop() {
      if (dead) return;
      for (const sig of ['SIGCONT', 'SIGTERM'] as const) {
        try {
          process.kill(pid, sig);
        } catch {
          // already gone
        }
      }
      const killTimer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 3000);
      child.stdin!.end(); // the watchdog kills java (if still there) and exits
      await exited;
      clearTimeout(killTimer);
    },
  };

  try {
    await waitForZooKeeper(`127.0.0.1:${port}`, opts.startTimeoutMs ?? 30_000, () => dead);
    if (dead) throw new Error('ZooKeeper exited during startup');
  } catch (e) {
    await server.stop();
    throw new Error(`${(e as Error).message}; ZooKeeper output:\n${output.join('').slice(-3000)}`);
  }
  return server;
}

function assertInstalled(): void {
  if (!existsSync(ZOOKEEPER_JAR)) throw new Error(NOT_INSTALLED);
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore', env: process.env });
  if (probe.error || probe.status !== 0) throw new Error(NOT_INSTALLED);
}

function track(child: ChildProcess, javaPid: number): void {
  running.set(child, javaPid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [c, pid] of running) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      c.stdin?.destroy();
    }
  });
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A random port in 20000-44999 that no local socket listens on (per /proc/net/tcp and tcp6). */
function unusedPort(): number {
  const listening = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // not Linux, or no IPv6
    }
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local) listening.add(parseInt(local.slice(local.lastIndexOf(':') + 1), 16));
    }
  }
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 25000);
    if (!listening.has(port)) return port;
  }
}
