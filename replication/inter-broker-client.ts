/**
 * InterBrokerClient: one TCP connection from this broker to another one (a partition leader,
 * the controller, or a broker the controller commands), carrying pipelined requests matched
 * to their responses by correlation id. Generic over the API: the caller passes the API key,
 * the version and a body of the generated message type, and gets the decoded response body.
 *
 * Invariants:
 * - Lazy connection: the first request (and the first after a failure) opens the socket;
 *   requests issued while it connects are written once it is up, in call order.
 * - A connection that fails (connect error or connect timeout, socket error or close, a
 *   response frame above maxFrameBytes, a response with an unknown correlation id, or a
 *   request that times out) is destroyed, and every request pending on it is rejected with an
 *   InterBrokerError naming the peer, the API and version, and the reason. Responses of one
 *   connection come in request order, so a timed-out request leaves the later ones stuck
 *   behind it: they fail too. The next request opens a new connection.
 * - No retries: callers decide (the replica fetcher backs off, the controller resends).
 * - A response body that fails to decode rejects only its own request (the frame boundary is
 *   intact, so the connection stays usable).
 * - close() rejects everything pending and every later request.
 * Units: every timeout is in milliseconds; maxFrameBytes counts the frame payload.
 */
import net from 'net';
import { FrameDecoder } from '../protocol/frame';
import { decodeResponse, encodeRequest } from '../protocol/header';
import { apiInfo } from '../protocol/generated/api-keys';
import { systemClock, type Clock, type Timer } from '../storage/clock';
import { NOOP_REPLICATION_LOGGER, type ReplicationLogger } from './types';

export interface InterBrokerClientOptions {
  host: string;
  port: number;
  /** Request header client id, e.g. `broker-1-fetcher-0`. */
  clientId: string;
  /** Timeout of a request that passes none (default 30000, Kafka's request.timeout.ms). */
  requestTimeoutMs?: number;
  /** Time allowed to establish the TCP connection (default 10000, socket.connection.setup.timeout.ms). */
  connectTimeoutMs?: number;
  /** Largest response frame accepted, in bytes (default 100 MiB). */
  maxFrameBytes?: number;
  clock?: Clock;
  logger?: ReplicationLogger;
}

/** Why a request failed without a response. */
export type InterBrokerFailure = 'connect' | 'timeout' | 'disconnected' | 'protocol' | 'closed';

export class InterBrokerError extends Error {
  constructor(
    /** `host:port` of the other broker. */
    readonly peer: string,
    /** API name and version, e.g. `Fetch v16`. */
    readonly api: string,
    readonly reason: InterBrokerFailure,
    detail: string,
  ) {
    super(`${api} request to broker ${peer} failed: ${detail}`);
    this.name = 'InterBrokerError';
  }
}

interface Pending {
  readonly api: string;
  readonly apiKey: number;
  readonly version: number;
  readonly timeoutMs: number;
  readonly resolve: (body: unknown) => void;
  readonly reject: (e: Error) => void;
  timer: Timer;
}

/** One socket and the requests written to (or waiting to be written to) it. */
interface Connection {
  readonly socket: net.Socket;
  readonly frames: FrameDecoder;
  readonly pending: Map<number, Pending>;
  /** Encoded requests issued before the socket connected. */
  queued: Buffer[][];
  connected: boolean;
  /** Set once the connection is given up; later events are ignored. */
  failed: boolean;
  connectTimer: Timer | null;
  /** The last socket error, used to explain the close that follows it. */
  lastError: Error | null;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024;

export class InterBrokerClient {
  readonly peer: string;
  private readonly clock: Clock;
  private readonly logger: ReplicationLogger;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly maxFrameBytes: number;
  private conn: Connection | null = null;
  private correlationId = 0;
  private closed = false;

  constructor(private readonly opts: InterBrokerClientOptions) {
    this.peer = `${opts.host}:${opts.port}`;
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? NOOP_REPLICATION_LOGGER;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** True while a socket is connected (not merely connecting). */
  get isConnected(): boolean {
    return this.conn !== null && this.conn.connected;
  }

  /**
   * Sends one request and resolves with its decoded response body. Rejects with an
   * InterBrokerError when no response arrives (see the class comment), or with the codec's
   * error when the body cannot be encoded at this version.
   */
  request<Resp>(apiKey: number, version: number, body: unknown, timeoutMs: number = this.requestTimeoutMs): Promise<Resp> {
    const api = `${apiInfo(apiKey)?.name ?? `api ${apiKey}`} v${version}`;
    if (this.closed) return Promise.reject(new InterBrokerError(this.peer, api, 'closed', 'the client is closed'));
    this.correlationId = (this.correlationId + 1) & 0x7fffffff;
    const correlationId = this.correlationId;
    let frame: Buffer[];
    try {
      frame = encodeRequest(apiKey, version, correlationId, this.opts.clientId, body);
    } catch (e) {
      return Promise.reject(e);
    }
    const conn = this.conn ?? this.connect();
    return new Promise<Resp>((resolve, reject) => {
      const p: Pending = { api, apiKey, version, timeoutMs, resolve: resolve as (b: unknown) => void, reject, timer: null };
      p.timer = this.clock.setTimeout(() => this.onTimeout(conn, correlationId), timeoutMs);
      conn.pending.set(correlationId, p);
      if (conn.connected) this.write(conn, frame);
      else conn.queued.push(frame);
    });
  }

  /** Rejects every pending request, closes the socket; later requests are rejected. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.conn) this.fail(this.conn, 'closed', 'the client was closed');
  }

  private connect(): Connection {
    const socket = net.connect({ host: this.opts.host, port: this.opts.port });
    const conn: Connection = {
      socket,
      frames: new FrameDecoder(this.maxFrameBytes),
      pending: new Map(),
      queued: [],
      connected: false,
      failed: false,
      connectTimer: null,
      lastError: null,
    };
    this.conn = conn;
    conn.connectTimer = this.clock.setTimeout(() => this.fail(conn, 'connect', `could not connect within ${this.connectTimeoutMs} ms`), this.connectTimeoutMs);
    socket.setNoDelay(true);
    socket.on('connect', () => {
      if (conn.failed) return;
      this.clearConnectTimer(conn);
      conn.connected = true;
      this.logger.debug({ peer: this.peer, clientId: this.opts.clientId }, 'inter-broker connection established');
      const queued = conn.queued;
      conn.queued = [];
      for (const f of queued) this.write(conn, f);
    });
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('error', (e: Error) => {
      conn.lastError = e;
    });
    socket.on('close', () => {
      if (conn.failed) return;
      const why = conn.lastError ? conn.lastError.message : 'the connection was closed by the peer';
      if (conn.connected) this.fail(conn, 'disconnected', `connection lost: ${why}`);
      else this.fail(conn, 'connect', `could not connect: ${why}`);
    });
    return conn;
  }

  private write(conn: Connection, frame: Buffer[]): void {
    const s = conn.socket;
    s.cork();
    for (const c of frame) s.write(c);
    s.uncork();
  }

  private onData(conn: Connection, chunk: Buffer): void {
    if (conn.failed) return;
    let frames: Buffer[];
    try {
      frames = conn.frames.push(chunk);
    } catch (e) {
      this.fail(conn, 'protocol', `bad response frame: ${(e as Error).message}`);
      return;
    }
    for (const frame of frames) {
      if (frame.length < 4) {
        this.fail(conn, 'protocol', `response frame of ${frame.length} bytes has no correlation id`);
        return;
      }
      const id = frame.readInt32BE(0);
      const p = conn.pending.get(id);
      if (!p) {
        this.fail(conn, 'protocol', `response with unknown correlation id ${id}`);
        return;
      }
      conn.pending.delete(id);
      this.clock.clearTimeout(p.timer);
      let body: unknown;
      try {
        body = decodeResponse(p.apiKey, p.version, frame).body;
      } catch (e) {
        p.reject(new InterBrokerError(this.peer, p.api, 'protocol', `response could not be decoded: ${(e as Error).message}`));
        continue;
      }
      p.resolve(body);
    }
  }

  private onTimeout(conn: Connection, correlationId: number): void {
    const p = conn.pending.get(correlationId);
    if (!p || conn.failed) return;
    conn.pending.delete(correlationId);
    p.reject(new InterBrokerError(this.peer, p.api, 'timeout', `no response within ${p.timeoutMs} ms`));
    this.fail(conn, 'disconnected', `connection closed after ${p.api} timed out`);
  }

  /** Gives the connection up: rejects its requests, destroys the socket, forgets it. */
  private fail(conn: Connection, reason: InterBrokerFailure, detail: string): void {
    if (conn.failed) return;
    conn.failed = true;
    this.clearConnectTimer(conn);
    if (this.conn === conn) this.conn = null;
    conn.socket.destroy();
    const pending = [...conn.pending.values()];
    conn.pending.clear();
    conn.queued = [];
    if (reason !== 'closed') this.logger.debug({ peer: this.peer, reason, detail, pending: pending.length }, 'inter-broker connection failed');
    for (const p of pending) {
      this.clock.clearTimeout(p.timer);
      p.reject(new InterBrokerError(this.peer, p.api, reason, detail));
    }
  }

  private clearConnectTimer(conn: Connection): void {
    if (conn.connectTimer !== null) {
      this.clock.clearTimeout(conn.connectTimer);
      conn.connectTimer = null;
    }
  }
}
