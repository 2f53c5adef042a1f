/**
 * One client connection: frames in, responses out, in request order.
 *
 * Ordering (ARCHITECTURE rule 8): every frame reserves a slot in `slots` before its handler
 * runs; handlers run concurrently (the dispatcher calls them synchronously in arrival order, so
 * appends to one partition keep arrival order); a response is written only when every earlier
 * slot has been written or dropped (acks=0 leaves an empty slot that is dropped).
 *
 * Backpressure: reading pauses while more than `maxInFlight` requests (or `maxInFlightBytes` of
 * request frames) are unanswered, or more than `maxQueuedBytes` of responses sit in the
 * socket's write buffer; it resumes when answers are written / on 'drain'.
 * Idle: closed after `idleMs` without traffic in either direction while nothing is in flight.
 * Bad input closes only this connection, with one warning line naming the peer and the reason.
 */
import type { Socket } from 'net';
import type { Logger } from './logger';
import { FrameDecoder, FrameSizeError } from '../protocol/frame';

/** Recognisable non-Kafka openings, to name the reason when a connection is refused. */
export function describeForeignPrefix(b: Buffer): string | null {
  if (b.length >= 3 && b[0] === 0x16 && b[1] === 0x03 && (b[2] ?? 9) <= 0x04) return 'TLS handshake on a PLAINTEXT listener';
  const head = b.subarray(0, 8).toString('latin1');
  if (/^(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH|CONNECT) /.test(head) || head.startsWith('PRI * HT')) return 'HTTP request on a Kafka listener';
  return null;
}

export type DispatchResult =
  | { readonly kind: 'response'; readonly chunks: readonly Buffer[] }
  | { readonly kind: 'none' }
  | { readonly kind: 'close'; readonly reason: string };

export interface ConnectionInfo {
  readonly id: number;
  readonly peer: string;
  readonly listener: string;
  readonly log: Logger;
}

export interface FrameHandler {
  /** Must start the handler synchronously (ordering of appends), may finish later. Never rejects. */
  handleFrame(frame: Buffer, conn: ConnectionInfo): DispatchResult | Promise<DispatchResult>;
}

export interface ConnectionOptions {
  readonly maxFrameBytes: number;
  readonly idleMs: number;
  readonly maxInFlight?: number;
  /** Request bytes of unanswered requests above which reading pauses. */
  readonly maxInFlightBytes?: number;
  readonly maxQueuedBytes?: number;
}

interface Slot {
  result: DispatchResult | undefined;
  /** Size of the request frame (bytes), counted in inFlightBytes until answered. */
  size: number;
}

export class Connection implements ConnectionInfo {
  private readonly decoder: FrameDecoder;
  private readonly slots: Slot[] = [];
  private closed = false;
  private pausedForWrites = false;
  private pausedForInFlight = false;
  private readonly maxInFlight: number;
  private readonly maxInFlightBytes: number;
  private readonly maxQueuedBytes: number;
  private inFlightBytes = 0;
  /** The first bytes the client sent (up to 8), to recognise HTTP / TLS on a size error. */
  private opening: Buffer | null = Buffer.alloc(0);
  private onClosed: (() => void) | undefined;
  private drainWaiters: (() => void)[] = [];
  requestsHandled = 0;

  constructor(
    private readonly socket: Socket,
    readonly id: number,
    readonly peer: string,
    readonly listener: string,
    private readonly handler: FrameHandler,
    readonly log: Logger,
    opts: ConnectionOptions,
  ) {
    this.decoder = new FrameDecoder(opts.maxFrameBytes);
    this.maxInFlight = opts.maxInFlight ?? 100;
    this.maxInFlightBytes = opts.maxInFlightBytes ?? 16 * 1024 * 1024;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 16 * 1024 * 1024;
    socket.setNoDelay(true);
    if (opts.idleMs > 0 && opts.idleMs < 2 ** 31) socket.setTimeout(opts.idleMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => {
      if (this.slots.length === 0) this.close(`idle for connections.max.idle.ms ${opts.idleMs}`, 'debug');
    });
    socket.on('drain', () => {
      this.pausedForWrites = false;
      this.maybeResume();
    });
    socket.on('error', (err: Error) => {
      this.log.debug({ err: err.message }, 'socket error');
      this.close(`socket error: ${err.message}`, 'silent');
    });
    socket.on('close', () => {
      this.closed = true;
      this.slots.length = 0;
      this.notifyDrained();
      const cb = this.onClosed;
      this.onClosed = undefined;
      cb?.();
    });
  }

  /** Registers the one close callback (server accounting). */
  whenClosed(cb: () => void): void {
    if (this.socket.destroyed) cb();
    else this.onClosed = cb;
  }

  get inFlight(): number {
    return this.slots.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Closes the connection once. `level` 'warn' (bad input: one line naming the peer and the
   * reason), 'debug' (idle, shutdown) or 'silent' (peer already gone).
   */
  close(reason: string, level: 'warn' | 'debug' | 'info' | 'silent' = 'warn'): void {
    if (this.closed) return;
    this.closed = true;
    if (level !== 'silent') this.log[level]({ reason }, `closing connection from ${this.peer}: ${reason}`);
    this.slots.length = 0;
    this.socket.destroy();
    this.notifyDrained();
  }

  /** Stops reading new requests; in-flight ones still get answered (graceful shutdown). */
  stopReading(): void {
    this.socket.pause();
    this.socket.removeAllListeners('data');
  }

  /** Resolves once every reserved slot has been answered, the socket closed, or timeoutMs passed. */
  drained(timeoutMs: number): Promise<void> {
    if (this.closed || this.slots.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.drainWaiters = self.drainWaiters.filter((w) => w !== done);
        resolve();
      }
      this.drainWaiters.push(done);
    });
  }

  private notifyDrained(): void {
    if (this.drainWaiters.length === 0 || (!this.closed && this.slots.length > 0)) return;
    for (const w of [...this.drainWaiters]) w();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    if (this.opening !== null) {
      if (this.requestsHandled > 0) this.opening = null;
      else if (this.opening.length < 8) this.opening = Buffer.concat([this.opening, chunk.subarray(0, 8 - this.opening.length)]);
    }
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      const foreign = this.requestsHandled === 0 && this.opening ? describeForeignPrefix(this.opening) : null;
      this.close(foreign ?? (e instanceof FrameSizeError ? `${e.message} (socket.request.max.bytes)` : (e as Error).message));
      return;
    }
    for (const frame of frames) {
      if (this.closed) return;
      const slot: Slot = { result: undefined, size: frame.length };
      this.slots.push(slot);
      this.inFlightBytes += frame.length;
      this.requestsHandled++;
      let r: DispatchResult | Promise<DispatchResult>;
      try {
        r = this.handler.handleFrame(frame, this);
      } catch (e) {
        r = { kind: 'close', reason: `internal error: ${(e as Error).message}` };
      }
      if (r instanceof Promise) {
        r.then(
          (res) => this.complete(slot, res),
          (e: Error) => this.complete(slot, { kind: 'close', reason: `internal error: ${e.message}` }),
        );
      } else {
        this.complete(slot, r);
      }
    }
    if ((this.slots.length >= this.maxInFlight || this.inFlightBytes > this.maxInFlightBytes) && !this.pausedForInFlight) {
      this.pausedForInFlight = true;
      this.socket.pause();
    }
  }

  private complete(slot: Slot, result: DispatchResult): void {
    if (this.closed) return;
    if (result.kind === 'close') {
      this.close(result.reason);
      return;
    }
    slot.result = result;
    this.flush();
  }

  /** Writes every answered slot at the head of the queue, in order, as one corked batch. */
  private flush(): void {
    const head = this.slots[0];
    if (!head || head.result === undefined) return;
    this.socket.cork();
    while (this.slots.length > 0 && this.slots[0]!.result !== undefined) {
      const slot = this.slots.shift()!;
      this.inFlightBytes -= slot.size;
      const res = slot.result!;
      if (res.kind === 'response') for (const c of res.chunks) this.socket.write(c);
    }
    this.socket.uncork();
    if (this.slots.length === 0) this.notifyDrained();
    if (this.socket.writableLength > this.maxQueuedBytes) {
      this.pausedForWrites = true;
      this.socket.pause();
    }
    if (this.pausedForInFlight && this.slots.length < this.maxInFlight && this.inFlightBytes <= this.maxInFlightBytes) {
      this.pausedForInFlight = false;
      this.maybeResume();
    }
  }

  private maybeResume(): void {
    if (this.closed || this.pausedForWrites || this.pausedForInFlight) return;
    this.socket.resume();
  }
}
