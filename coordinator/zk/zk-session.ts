/**
 * ZkSession: one ZooKeeper session (one node-zookeeper-client Client) behind promises, the only
 * place that calls the library. Reads answer null for a missing znode; every other failure is a
 * ZkError naming the operation, the path and ZooKeeper's code. Watches go to the one `watcher`
 * given at open (the library keeps one registration per path and function, so arming the same
 * watch twice fires it once).
 *
 * A session, once expired, stays expired: the owner opens a new ZkSession.
 *
 * Invariants (the owner's task chain relies on them: nothing it awaits here can stay pending):
 * - open() settles within connectionTimeoutMs, or at once when its signal aborts.
 * - Every call settles: with the library's answer, or rejected with SESSION_EXPIRED once the
 *   session expired, with CONNECTION_LOSS once it is closed, or with CONNECTION_LOSS when the
 *   client has been disconnected for connectionTimeoutMs of the call's life (Kafka's
 *   ZooKeeperClient waits that long for a connection). The library alone does not guarantee it:
 *   a call it queued while disconnected is never answered if the session then expires or closes.
 * - close() resolves within min(2000, connectionTimeoutMs / 2) ms, ZooKeeper up or not, and
 *   leaves no socket behind.
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
  private closed: Promise<void> | undefined;
  /** Why calls are refused now (the session expired or is closed); undefined while it lives. */
  private ended: { readonly code: number; readonly name: string } | undefined;
  /** The calls not settled yet, each as the function that rejects it. */
  private readonly pending = new Set<(code: number, name: string) => void>();
  /** Since when the client has had no connection (undefined while connected). */
  private notConnectedSince: number | undefined;
  /** The library sends nothing more on an expired session: close() must not queue a CLOSE_SESSION, only drop the socket. */
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
      if (e) {
        this.connected = e === 'connected';
        this.notConnectedSince = this.connected ? undefined : (this.notConnectedSince ?? Date.now());
      }
      if (e === 'expired') {
        this.expired = true;
        clearInterval(this.liveness);
        this.end(ZkCode.SESSION_EXPIRED, 'SESSION_EXPIRED');
      }
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

  /** Connects a new session; rejects when none is established within connectionTimeoutMs, or when `signal` aborts. */
  static open(connectString: string, opts: ZkSessionOptions, signal?: AbortSignal): Promise<ZkSession> {
    if (signal?.aborted) return Promise.reject(new Error(`cannot connect to ZooKeeper at ${connectString}: cancelled`));
    const client = zk.createClient(connectString, { sessionTimeout: opts.sessionTimeoutMs, spinDelay: SPIN_DELAY_MS, retries: 0 });
    return new Promise((resolve, reject) => {
      const onAbort = () => fail('cancelled');
      const done = () => {
        clearTimeout(timer);
        client.removeListener('state', onState);
        signal?.removeEventListener('abort', onAbort);
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
      signal?.addEventListener('abort', onAbort, { once: true });
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
    return this.call('getData', path, (ok, fail) =>
      this.client.getData(path, watch ? this.watch : undefined, (err, data, stat) => {
        if (err?.code === zk.Exception.NO_NODE) ok(null);
        else if (err) fail(new ZkError(err.code, 'getData', path, err.name));
        else ok({ data: data ?? undefined, stat: toStat(stat) });
      }),
    );
  }

  getChildren(path: string, watch = false): Promise<string[] | null> {
    return this.call('getChildren', path, (ok, fail) =>
      this.client.getChildren(path, watch ? this.watch : undefined, (err, children) => {
        if (err?.code === zk.Exception.NO_NODE) ok(null);
        else if (err) fail(new ZkError(err.code, 'getChildren', path, err.name));
        else ok(children);
      }),
    );
  }

  /** The znode's stat or null; with `watch`, fires on its creation, change or deletion. */
  exists(path: string, watch = false): Promise<ZkStat | null> {
    return this.call('exists', path, (ok, fail) =>
      this.client.exists(path, watch ? this.watch : undefined, (err, stat) => (err ? fail(new ZkError(err.code, 'exists', path, err.name)) : ok(stat ? toStat(stat) : null))),
    );
  }

  /** Creates a znode; resolves with its path (with the sequence number for a sequential one). */
  create(path: string, data: Buffer | null, mode: 'persistent' | 'ephemeral' | 'persistent-sequential'): Promise<string> {
    const m = mode === 'persistent' ? zk.CreateMode.PERSISTENT : mode === 'ephemeral' ? zk.CreateMode.EPHEMERAL : zk.CreateMode.PERSISTENT_SEQUENTIAL;
    return this.call('create', path, (ok, fail) => this.client.create(path, data, m, (err, created) => (err ? fail(new ZkError(err.code, 'create', path, err.name)) : ok(created))));
  }

  setData(path: string, data: Buffer, version: number): Promise<ZkStat> {
    return this.call('setData', path, (ok, fail) => this.client.setData(path, data, version, (err, stat) => (err ? fail(new ZkError(err.code, 'setData', path, err.name)) : ok(toStat(stat)))));
  }

  delete(path: string, version: number): Promise<void> {
    return this.call('delete', path, (ok, fail) => this.client.remove(path, version, (err) => (err ? fail(new ZkError(err.code, 'delete', path, err.name)) : ok(undefined))));
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
    const paths = ops.map((o) => o.path).join(',');
    return this.call('multi', paths, (ok, fail) =>
      tx.commit((err, results) => {
        if (!err) return ok(results.map((r) => (r.stat ? { stat: toStat(r.stat) } : {})));
        const failedOp = results ? results.findIndex((r) => r.err !== undefined && r.err !== 0 && r.err !== RUNTIME_INCONSISTENCY) : -1;
        const failed = ops[failedOp];
        fail(new ZkError(err.code, failed ? `multi (${failed.op})` : 'multi', failed?.path ?? paths, err.name, failedOp));
      }),
    );
  }

  /** Runs one library call under the invariant of the header: it settles, whatever the library does. */
  private call<T>(op: string, path: string, send: (ok: (v: T) => void, fail: (e: ZkError) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.ended) return reject(new ZkError(this.ended.code, op, path, this.ended.name));
      const issuedAt = Date.now();
      const limit = this.opts.connectionTimeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const settle = (f: () => void) => {
        if (!this.pending.delete(abort)) return; // already settled (a late answer after an abort)
        clearTimeout(timer);
        f();
      };
      const abort = (code: number, name: string) => settle(() => reject(new ZkError(code, op, path, name)));
      const watchdog = () => {
        const since = this.notConnectedSince;
        const waited = since === undefined ? 0 : Date.now() - Math.max(since, issuedAt);
        if (waited >= limit) return abort(ZkCode.CONNECTION_LOSS, 'CONNECTION_LOSS');
        timer = setTimeout(watchdog, limit - waited);
      };
      this.pending.add(abort);
      watchdog();
      try {
        send(
          (v) => settle(() => resolve(v)),
          (e) => {
            settle(() => reject(e));
            if (e.code === ZkCode.SESSION_EXPIRED) this.noticeExpiry();
          },
        );
      } catch (e) {
        settle(() => reject(e)); // the library validates arguments by throwing (an invalid path)
      }
    });
  }

  /** From now on every call, pending or new, is rejected with `code`. */
  private end(code: number, name: string): void {
    this.ended ??= { code, name };
    for (const abort of [...this.pending]) abort(this.ended.code, this.ended.name);
  }

  /**
   * A reply can say the session expired while the library still counts itself connected (the
   * session was closed by another client that took it over): that is an expiry too.
   */
  private noticeExpiry(): void {
    if (this.expired || this.expiredByReply || this.closing) return;
    this.expiredByReply = true;
    this.end(ZkCode.SESSION_EXPIRED, 'SESSION_EXPIRED');
    this.opts.onSessionEvent('expired');
  }

  /**
   * Ends the session (its ephemeral znodes go at once) and rejects the calls still pending;
   * resolves when ZooKeeper confirmed the close or after min(2000, connectionTimeoutMs / 2) ms,
   * when the socket is dropped (the server then expires the session by itself).
   */
  close(): Promise<void> {
    this.closed ??= this.doClose();
    return this.closed;
  }

  private async doClose(): Promise<void> {
    this.closing = true;
    clearInterval(this.liveness);
    this.watchReconnect(false);
    this.end(ZkCode.CONNECTION_LOSS, 'CONNECTION_LOSS');
    this.client.removeListener('state', this.onState);
    // Expired: the library sends nothing more; its socket may still be open if the server did not close it.
    if (this.expired) return closeSocket(this.client);
    if (!this.connected) return closeUnconnected(this.client);
    await new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.client.removeListener('state', onState);
        resolve();
      };
      const timer = setTimeout(finish, Math.min(2000, this.opts.connectionTimeoutMs / 2));
      const onState = (state: zk.State) => state.code === DISCONNECTED && finish();
      this.client.on('state', onState);
      this.client.close();
    });
    closeSocket(this.client);
  }
}

const SPIN_DELAY_MS = 200;

/**
 * Closes a client that has no session right now. The library's close() alone would read a late
 * connect answer as a reply and throw from its socket handler, so the socket goes too; a
 * reconnection it had scheduled (within its spin delay) opens one more socket, dropped later.
 */
function closeUnconnected(client: zk.Client): void {
  client.close();
  closeSocket(client);
  setTimeout(() => closeSocket(client), 2 * SPIN_DELAY_MS).unref();
}

/** Drops the library's socket; in the library's CLOSING, SESSION_EXPIRED or CLOSED state it does not reconnect. */
function closeSocket(client: zk.Client): void {
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
