/**
 * The TCP side: one net.Server per listener, connection limits (max.connections,
 * max.connections.per.ip with overrides), and graceful stop (stop accepting, answer what is in
 * flight, then close).
 *
 * Listeners and per-connection settings come from the static config. The connection limits are
 * dynamic: each accept reads them from `current()`, so a lower limit refuses new connections at
 * once and leaves open ones alone (as Kafka's ConnectionQuotas do).
 */
import net from 'net';
import type { BrokerConfig, Listener } from '../config/config';
import { Connection, type FrameHandler } from './connection';
import { childLogger, type Logger } from '../logger';

export interface BoundListener {
  readonly listener: Listener;
  readonly host: string;
  /** The actual port (resolves port 0). */
  readonly port: number;
}

export class SocketServer {
  private readonly servers: { server: net.Server; listener: Listener }[] = [];
  private readonly connections = new Set<Connection>();
  private readonly perIp = new Map<string, number>();
  private nextId = 1;
  private readonly log: Logger;
  private stopping = false;

  constructor(
    private readonly config: BrokerConfig,
    private readonly current: () => BrokerConfig,
    private readonly handler: FrameHandler,
    private readonly rootLogger: Logger,
  ) {
    this.log = childLogger(rootLogger, 'socket-server');
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Binds every listener; rejects if one cannot bind. */
  async start(): Promise<BoundListener[]> {
    const bound: BoundListener[] = [];
    for (const listener of this.config.listeners) {
      const server = net.createServer({ noDelay: true, pauseOnConnect: false }, (socket) => this.accept(socket, listener));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: listener.port, host: listener.host === '' ? undefined : listener.host, backlog: this.config.socketListenBacklogSize }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (err) => this.log.error({ err: err.message, listener: listener.name }, 'listener error'));
      const addr = server.address() as net.AddressInfo;
      this.servers.push({ server, listener });
      bound.push({ listener, host: listener.host, port: addr.port });
    }
    return bound;
  }

  private accept(socket: net.Socket, listener: Listener): void {
    const ip = socket.remoteAddress ?? 'unknown';
    const peer = `${ip}:${socket.remotePort ?? 0}`;
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const count = this.perIp.get(ip) ?? 0;
    const limits = this.current();
    if (this.connections.size >= limits.maxConnections) {
      this.log.warn({ peer }, `refusing connection from ${peer}: max.connections ${limits.maxConnections} reached`);
      socket.destroy();
      return;
    }
    const perIpLimit = limits.maxConnectionsPerIpOverrides.get(ip) ?? limits.maxConnectionsPerIp;
    if (count >= perIpLimit) {
      this.log.warn({ peer }, `refusing connection from ${peer}: max.connections.per.ip ${perIpLimit} reached for ${ip}`);
      socket.destroy();
      return;
    }
    this.perIp.set(ip, count + 1);
    const id = this.nextId++;
    const log = childLogger(this.rootLogger, 'connection', { conn: id, peer });
    const conn = new Connection(socket, id, peer, listener.name, this.handler, log, {
      maxFrameBytes: this.config.socketRequestMaxBytes,
      idleMs: this.config.connectionsMaxIdleMs,
      maxInFlight: Math.max(1, Math.min(this.config.queuedMaxRequests, 1000)),
      maxInFlightBytes: this.config.queuedMaxRequestBytes > 0 ? this.config.queuedMaxRequestBytes : undefined,
    });
    this.connections.add(conn);
    conn.whenClosed(() => {
      this.connections.delete(conn);
      const n = (this.perIp.get(ip) ?? 1) - 1;
      if (n <= 0) this.perIp.delete(ip);
      else this.perIp.set(ip, n);
    });
    log.debug('connection accepted');
  }

  /**
   * Stops accepting and reading; runs `beforeDrain` (e.g. complete delayed operations so
   * long polls answer now); waits up to `graceMs` for in-flight answers; closes all.
   */
  async stop(graceMs = 5000, beforeDrain?: () => void): Promise<void> {
    this.stopping = true;
    const closes = this.servers.map(({ server }) => new Promise<void>((r) => server.close(() => r())));
    const conns = [...this.connections];
    for (const c of conns) c.stopReading();
    beforeDrain?.();
    await Promise.all(conns.map((c) => c.drained(graceMs)));
    for (const c of conns) c.close('broker shutting down', 'debug');
    await Promise.all(closes);
  }
}
