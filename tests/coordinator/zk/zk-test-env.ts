/**
 * A real ZooKeeper for the store tests (Debian's package, through the dev-cluster launcher) and
 * a real way to expire a session: another connection presents the session's id and password
 * (the server moves the session to it) and closes it, as Curator's KillSession does. The
 * victim's client then reconnects and is told its session expired.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { startZooKeeper, type ZooKeeperServer } from '../../../broker/dev-cluster/zookeeper-server';
import type { MetadataEvent } from '../../../coordinator/metadata-store';
import { ZkMetadataStore, type ZkStoreLogger } from '../../../coordinator/zk/zk-metadata-store';

export interface TestZooKeeper {
  readonly server: ZooKeeperServer;
  stop(): Promise<void>;
}

export async function startTestZooKeeper(): Promise<TestZooKeeper> {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-zk-'));
  const server = await startZooKeeper({ dataDir: dir, tickTimeMs: 200 });
  return {
    server,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Collects warnings and errors; debug and info are dropped (printed with GREGOR_ZK_TEST_LOG=1). */
export class TestLogger implements ZkStoreLogger {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  private readonly verbose = process.env['GREGOR_ZK_TEST_LOG'] === '1';
  debug(obj: unknown, msg?: string): void {
    this.print('debug', obj, msg);
  }
  info(obj: unknown, msg?: string): void {
    this.print('info', obj, msg);
  }
  warn(obj: unknown, msg?: string): void {
    this.warnings.push(describe(obj, msg));
    this.print('warn', obj, msg);
  }
  error(obj: unknown, msg?: string): void {
    this.errors.push(describe(obj, msg));
    this.print('error', obj, msg);
  }
  private print(level: string, obj: unknown, msg?: string): void {
    if (this.verbose) process.stderr.write(`${Date.now() % 100000} ${level} ${describe(obj, msg)}\n`);
  }
}

function describe(obj: unknown, msg?: string): string {
  return `${msg ?? ''} ${typeof obj === 'string' ? obj : JSON.stringify(obj, (_k, v) => (v instanceof Error ? v.message : typeof v === 'bigint' ? String(v) : v))}`;
}

export function zkStore(connect: string, logger = new TestLogger()): ZkMetadataStore {
  return new ZkMetadataStore({ connect, sessionTimeoutMs: 2000, connectionTimeoutMs: 5000, logger });
}

/** Expires the store's session for real; resolves once the store announced the new session. */
export async function expireZkSession(store: ZkMetadataStore, connect: string): Promise<void> {
  const { sessionId, password } = store.sessionCredentials();
  const seen: MetadataEvent[] = [];
  const off = store.onChange((e) => seen.push(e));
  try {
    // The victim may win the race back to the server before the close arrives: then try again.
    for (let attempt = 0; attempt < 5 && !seen.some(isExpired); attempt++) {
      await takeOverAndClose(connect, sessionId, password);
      await waitUntil(() => seen.some(isExpired), 2000).catch(() => undefined);
    }
    if (!seen.some(isExpired)) throw new Error('the session did not expire');
    await waitUntil(() => seen.slice(seen.findIndex(isExpired)).some(isConnected), 10_000, 'the new session');
  } finally {
    off();
  }
}

const isExpired = (e: MetadataEvent) => e.type === 'session' && e.state === 'expired';
const isConnected = (e: MetadataEvent) => e.type === 'session' && e.state === 'connected';

/**
 * Presents the session's id and password and closes the session, in one TCP write (ZooKeeper's
 * wire protocol: a ConnectRequest, then a CloseSession request), so the close is processed
 * before the victim's client can reconnect and take its session back.
 */
export function takeOverAndClose(connect: string, sessionId: Buffer, password: Buffer): Promise<void> {
  const [host, port] = connect.split('/')[0]!.split(',')[0]!.split(':');
  const connectReq = Buffer.alloc(4 + 4 + 8 + 4 + 8 + 4 + password.length);
  let o = connectReq.writeInt32BE(connectReq.length - 4, 0);
  o = connectReq.writeInt32BE(0, o); // protocolVersion
  o += 8; // lastZxidSeen = 0
  o = connectReq.writeInt32BE(2000, o); // timeOut
  o += sessionId.copy(connectReq, o);
  o = connectReq.writeInt32BE(password.length, o);
  password.copy(connectReq, o);
  const closeReq = Buffer.alloc(12);
  closeReq.writeInt32BE(8, 0);
  closeReq.writeInt32BE(1, 4); // xid
  closeReq.writeInt32BE(-11, 8); // OpCode.closeSession
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: host!, port: Number(port) }, () => sock.write(Buffer.concat([connectReq, closeReq])));
    sock.setTimeout(5000, () => sock.destroy(new Error('no answer from ZooKeeper')));
    sock.on('data', () => undefined);
    sock.on('error', reject);
    sock.on('close', () => resolve());
  });
}

/**
 * What SIGSTOP does to this process, as far as its ZooKeeper clients can tell: no timer, no I/O,
 * nothing runs for `ms`, while the kernel keeps buffering what the server sends and the server
 * keeps its own clock (and expires sessions it stops hearing from).
 */
export function freezeEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export async function waitUntil(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
