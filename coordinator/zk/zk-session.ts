/**
 * ZkSession: one ZooKeeper session (one node-zookeeper-client Client) behind promises, the only
 * place that calls the library. Reads answer null for a missing znode; every other failure is a
 * ZkError naming the operation, the path and ZooKeeper's code. Watches go to the one `watcher`
 * given at open (the library keeps one registration per path and function, so arming the same
 * watch twice fires it once).
 *
 * A session, once expired, stays expired: the owner opens a new ZkSession.
 */
import * as zk from 'node-zookeeper-client';

export interface ZkStat {
  readonly czxid: bigint;
  readonly ctimeMs: number;
  readonly version: number;
  readonly cversion: number;
  readonly ephemeralOwner: bigint;
  readonly numChildren: number;
}

export type ZkWatchEvent = { readonly type: 'created' | 'deleted' | 'data-changed' | 'children-changed'; readonly path: string };
export type ZkSessionEvent = 'connected' | 'disconnected' | 'expired';

export type ZkOp =
  | { readonly op: 'create'; readonly path: string; readonly data: Buffer | null; readonly mode: 'persistent' | 'ephemeral' }
  | { readonly op: 'setData'; readonly path: string; readonly data: Buffer; readonly version: number }
  | { readonly op: 'delete'; readonly path: string; readonly version: number }
  | { readonly op: 'check'; readonly path: string; readonly version: number };

export const ZkCode = {
  CONNECTION_LOSS: zk.Exception.CONNECTION_LOSS,
  NO_NODE: zk.Exception.NO_NODE,
  BAD_VERSION: zk.Exception.BAD_VERSION,
  NODE_EXISTS: zk.Exception.NODE_EXISTS,
  NOT_EMPTY: zk.Exception.NOT_EMPTY,
  SESSION_EXPIRED: zk.Exception.SESSION_EXPIRED,
} as const;

export class ZkError extends Error {
  constructor(
    readonly code: number,
    readonly op: string,
    readonly path: string,
    readonly codeName: string,
    /** For a multi: the index of the op that failed (-1 when the whole request failed). */
    readonly failedOp = -1,
  ) {
    super(`ZooKeeper ${op} ${path} failed: ${codeName} (${code})`);
    this.name = 'ZkError';
  }
}

export function isZkError(e: unknown, code: number): e is ZkError {
  return e instanceof ZkError && e.code === code;
}

export interface ZkSessionOptions {
  readonly sessionTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  readonly watcher: (e: ZkWatchEvent) => void;
  /** State changes after the session was established (not called once close() began). */
  readonly onSessionEvent: (e: ZkSessionEvent) => void;
  /** Every client state change, for debug logs. */
  readonly onClientState?: (state: string) => void;
}

// jute op codes of a multi (node-zookeeper-client's Transaction helpers turn version 0 into -1).
const OP_CODE = { create: 1, delete: 2, setData: 5, check: 13 } as const;
const RUNTIME_INCONSISTENCY = -2;
// Client state codes (lib/State.js).
const DISCONNECTED = 0;
const SYNC_CONNECTED = 3;
const AUTH_FAILED = 4;
const EXPIRED = -122;

function sessionEvent(state: zk.State): ZkSessionEvent | null {
  if (state.code === SYNC_CONNECTED) return 'connected';
  if (state.code === DISCONNECTED) return 'disconnected';
  if (state.code === EXPIRED) return 'expired';
  return null;
}

export class ZkSession {
  private closing = false;
  /** The library closes an expired session's socket itself and must not be closed again. */
  private expired = false;
  /** An op was answered SESSION_EXPIRED: the socket is still open and must be closed. */
  private expiredByReply = false;
  private reconnectWatch: NodeJS.Timeout | undefined;
  private connected = true;
  private readonly liveness: NodeJS.Timeout;
  private watchedSocket: unknown;
  private lastReceiveMs = Date.now();
  private readonly watch: zk.Watcher;
  private readonly onState: (state: zk.State) => void;

  private constructor(
    private readonly client: zk.Client,
    readonly connectString: string,
    private readonly opts: ZkSessionOptions,
  ) {
    this.watch = (ev) => opts.watcher({ type: watchType(ev.type), path: ev.path });
    this.onState = (state) => {
      opts.onClientState?.(state.name);
      const e = sessionEvent(state);
      if (e === 'expired') {
        this.expired = true;
        clearInterval(this.liveness);
      }
      if (e) this.connected = e === 'connected';
      this.watchReconnect(e === 'disconnected' && !this.expired && !this.closing);
      if (e && !this.closing && !this.expiredByReply && !(this.expired && e !== 'expired')) opts.onSessionEvent(e);
    };
    client.on('state', this.onState);
    this.liveness = setInterval(() => this.checkLiveness(), Math.max(100, Math.floor(client.getSessionTimeout() / 3)));
    this.liveness.unref();
  }

  /**
   * The read timeout the library lacks (the Java client's): a connection that received nothing
   * for 2/3 of the session timeout, although the library pings every third, is dropped, so the
   * library reconnects and learns whether the session still exists. Without it a paused server,
   * or a session closed under a live connection, would leave requests unanswered forever.
   */
  private checkLiveness(): void {
    const socket = this.client.connectionManager?.socket;
    if (!this.connected || this.closing || !socket) return;
    if (socket !== this.watchedSocket) {
      this.watchedSocket = socket;
      this.lastReceiveMs = Date.now();
      socket.on('data', () => (this.lastReceiveMs = Date.now()));
      return;
    }
    if (Date.now() - this.lastReceiveMs > (2 * this.client.getSessionTimeout()) / 3) socket.destroy();
  }

  /** Connects a new session; rejects when none is established within connectionTimeoutMs. */
  static open(connectString: string, opts: ZkSessionOptions): Promise<ZkSession> {
    const client = zk.createClient(connectString, { sessionTimeout: opts.sessionTimeoutMs, spinDelay: 200, retries: 0 });
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        client.removeListener('state', onState);
      };
      const fail = (why: string) => {
        done();
        closeUnconnected(client);
        reject(new Error(`cannot connect to ZooKeeper at ${connectString}: ${why}`));
      };
      const onState = (state: zk.State) => {
        if (state.code === AUTH_FAILED) fail('authentication failed');
        const e = sessionEvent(state);
        if (e === 'expired') fail('the session expired while connecting');
        if (e === 'connected') {
          done();
          resolve(new ZkSession(client, connectString, opts));
        }
      };
      const timer = setTimeout(() => fail(`no session within ${opts.connectionTimeoutMs} ms (zookeeper.connection.timeout.ms)`), opts.connectionTimeoutMs);
      client.on('state', onState);
      client.connect();
    });
  }

  /**
   * The library can sit forever in a reconnection attempt whose socket connected but got no
   * answer (its connect timer covers only the TCP handshake): while disconnected, a socket that
   * has not become a session within a third of the session timeout is dropped, which makes the
   * library try again.
   */
  private watchReconnect(disconnected: boolean): void {
    if (!disconnected) {
      clearInterval(this.reconnectWatch);
      this.reconnectWatch = undefined;
      return;
    }
    if (this.reconnectWatch) return;
    this.reconnectWatch = setInterval(() => this.client.connectionManager?.socket?.destroy(), Math.max(1000, Math.floor(this.opts.sessionTimeoutMs / 3)));
    this.reconnectWatch.unref();
  }

  /** ZooKeeper's session id (the ephemeralOwner of this session's ephemeral znodes). */
  sessionId(): bigint {
    return this.client.getSessionId().readBigInt64BE(0);
  }

  /** Id and password of the session (another client presenting them takes the session over). */
  credentials(): { readonly sessionId: Buffer; readonly password: Buffer } {
    return { sessionId: this.client.getSessionId(), password: this.client.getSessionPassword() };
  }

  getData(path: string, watch = false): Promise<{ data: Buffer | undefined; stat: ZkStat } | null> {
    return new Promise((resolve, reject) =>
      this.client.getData(path, watch ? this.watch : undefined, (err, data, stat) => {
        if (err?.code === zk.Exception.NO_NODE) resolve(null);
        else if (err) reject(this.failure(err, 'getData', path));
        else resolve({ data: data ?? undefined, stat: toStat(stat) });
      }),
    );
  }

  getChildren(path: string, watch = false): Promise<string[] | null> {
    return new Promise((resolve, reject) =>
      this.client.getChildren(path, watch ? this.watch : undefined, (err, children) => {
        if (err?.code === zk.Exception.NO_NODE) resolve(null);
        else if (err) reject(this.failure(err, 'getChildren', path));
        else resolve(children);
      }),
    );
  }

  /** The znode's stat or null; with `watch`, fires on its creation, change or deletion. */
  exists(path: string, watch = false): Promise<ZkStat | null> {
    return new Promise((resolve, reject) =>
      this.client.exists(path, watch ? this.watch : undefined, (err, stat) => {
        if (err) reject(this.failure(err, 'exists', path));
        else resolve(stat ? toStat(stat) : null);
      }),
    );
  }

  /** Creates a znode; resolves with its path (with the sequence number for a sequential one). */
  create(path: string, data: Buffer | null, mode: 'persistent' | 'ephemeral' | 'persistent-sequential'): Promise<string> {
    const m = mode === 'persistent' ? zk.CreateMode.PERSISTENT : mode === 'ephemeral' ? zk.CreateMode.EPHEMERAL : zk.CreateMode.PERSISTENT_SEQUENTIAL;
    return new Promise((resolve, reject) =>
      this.client.create(path, data, m, (err, created) => (err ? reject(this.failure(err, 'create', path)) : resolve(created))),
    );
  }

  setData(path: string, data: Buffer, version: number): Promise<ZkStat> {
    return new Promise((resolve, reject) =>
      this.client.setData(path, data, version, (err, stat) => (err ? reject(this.failure(err, 'setData', path)) : resolve(toStat(stat)))),
    );
  }

  delete(path: string, version: number): Promise<void> {
    return new Promise((resolve, reject) => this.client.remove(path, version, (err) => (err ? reject(this.failure(err, 'delete', path)) : resolve())));
  }

  /** Creates the persistent path and its missing parents (empty data); an existing one is fine. */
  async ensurePath(path: string): Promise<void> {
    let prefix = '';
    for (const part of path.split('/').slice(1)) {
      prefix += `/${part}`;
      if (await this.exists(prefix)) continue;
      await this.create(prefix, null, 'persistent').catch((e) => {
        if (!isZkError(e, ZkCode.NODE_EXISTS)) throw e;
      });
    }
  }

  /**
   * All ops or none. Resolves with one result per op (the stat of a setData); a failure is a
   * ZkError whose `failedOp` is the index of the op that failed.
   */
  multi(ops: readonly ZkOp[]): Promise<{ readonly stat?: ZkStat }[]> {
    const tx = this.client.transaction();
    for (const o of ops) {
      if (o.op === 'create') {
        tx.ops.push({ type: OP_CODE.create, path: o.path, data: o.data ?? undefined, acls: zk.ACL.OPEN_ACL_UNSAFE, mode: o.mode === 'ephemeral' ? zk.CreateMode.EPHEMERAL : zk.CreateMode.PERSISTENT });
      } else if (o.op === 'setData') tx.ops.push({ type: OP_CODE.setData, path: o.path, data: o.data, version: o.version });
      else tx.ops.push({ type: OP_CODE[o.op], path: o.path, version: o.version });
    }
    return new Promise((resolve, reject) =>
      tx.commit((err, results) => {
        if (!err) return resolve(results.map((r) => (r.stat ? { stat: toStat(r.stat) } : {})));
        const failedOp = results ? results.findIndex((r) => r.err !== undefined && r.err !== 0 && r.err !== RUNTIME_INCONSISTENCY) : -1;
        const failed = ops[failedOp];
        this.noticeExpiry(err.code);
        reject(new ZkError(err.code, failed ? `multi (${failed.op})` : 'multi', failed?.path ?? ops.map((o) => o.path).join(','), err.name, failedOp));
      }),
    );
  }

  private failure(e: zk.Exception, op: string, path: string): ZkError {
    this.noticeExpiry(e.code);
    return new ZkError(e.code, op, path, e.name);
  }

  /**
   * A reply can say the session expired while the library still counts itself connected (the
   * session was closed by another client that took it over): that is an expiry too.
   */
  private noticeExpiry(code: number): void {
    if (code !== zk.Exception.SESSION_EXPIRED || this.expired || this.expiredByReply || this.closing) return;
    this.expiredByReply = true;
    this.opts.onSessionEvent('expired');
  }

  /** Ends the session (its ephemeral znodes go at once); resolves when ZooKeeper closed it. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.liveness);
    this.watchReconnect(false);
    if (this.expired) return;
    if (!this.connected) return closeUnconnected(this.client);
    const closed = new Promise<void>((resolve) => {
      const timer = setTimeout(finish, 2000);
      const onState = (state: zk.State) => state.code === DISCONNECTED && finish();
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      this.client.on('state', onState);
    });
    this.client.close();
    await closed;
    this.client.removeListener('state', this.onState);
  }
}

/**
 * Closes a client that has no session right now. The library's close() alone would read a late
 * connect answer as a reply and throw from its socket handler, so the socket goes too.
 */
function closeUnconnected(client: zk.Client): void {
  client.close();
  client.connectionManager?.socket?.destroy();
}

function toStat(s: zk.Stat): ZkStat {
  return {
    czxid: s.czxid.readBigInt64BE(0),
    ctimeMs: Number(s.ctime.readBigInt64BE(0)),
    version: s.version,
    cversion: s.cversion,
    ephemeralOwner: s.ephemeralOwner.readBigInt64BE(0),
    numChildren: s.numChildren,
  };
}


function watchType(t: number): ZkWatchEvent['type'] {
  if (t === zk.Event.NODE_CREATED) return 'created';
  if (t === zk.Event.NODE_DELETED) return 'deleted';
  if (t === zk.Event.NODE_DATA_CHANGED) return 'data-changed';
  return 'children-changed';
}

/** Resolves once a session with the ensemble can be established (a server is up), else rejects at the deadline. */
export async function waitForZooKeeper(connectString: string, timeoutMs: number, isGivenUp: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline && !isGivenUp()) {
    try {
      const s = await ZkSession.open(connectString, { sessionTimeoutMs: 4000, connectionTimeoutMs: Math.max(200, Math.min(2000, deadline - Date.now())), watcher: () => undefined, onSessionEvent: () => undefined });
      await s.close();
      return;
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`ZooKeeper at ${connectString} did not accept a session within ${timeoutMs} ms${last instanceof Error ? ` (${last.message})` : ''}`);
}
