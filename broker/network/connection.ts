/**
 * One client connection: frames in, responses out, in request order.
 *
 * Ordering (ARCHITECTURE rule 8): every frame reserves a slot in `slots` before its handler
 * runs; handlers run concurrently (the dispatcher calls them synchronously in arrival order, so
 * appends to one partition keep arrival order); a response is written only when every earlier
 * slot has been written or dropped (acks=0 leaves an empty slot that is dropped). Answers that
 * finish in the same callback (e.g. every commit carried by one coordinator batch) are written
 * together once, from a process.nextTick callback that runs after the callback's microtasks.
 *
 * Backpressure: reading pauses while more than `maxInFlight` requests (or `maxInFlightBytes` of
 * request frames) are unanswered, or more than `maxQueuedBytes` of responses sit in the
 * socket's write buffer; it resumes when answers are written / on 'drain'. The in-flight limits
 * are exact: frames of one read beyond them are held, undispatched, until answers free room.
 * Idle: closed after `idleMs` without traffic in either direction while nothing is in flight.
 * Bad input closes only this connection, with one warning line naming the peer and the reason.
 */
import type { Socket } from 'net';
import type { Logger } from '../logger';
import { FrameDecoder, FrameSizeError } from '../../protocol/frame';

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

/** Response chunks smaller than this (bytes) are copied together into one write; larger ones are written as they are. */
const FLUSH_COPY_LIMIT = 16 * 1024;

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
  /** Decoded frames not yet dispatched because the in-flight limits were reached (arrival order). */
  private held: Buffer[] = [];
  private flushScheduled = false;
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
    this.held = [];
    this.socket.destroy();
    this.notifyDrained();
  }

  /** Stops reading new requests; in-flight ones still get answered (graceful shutdown). */
  stopReading(): void {
    this.socket.pause();
    this.socket.removeAllListeners('data');
    this.held = [];
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
    if (frames.length === 0) return;
    if (this.held.length === 0) this.held = frames;
    else for (const f of frames) this.held.push(f);
    this.dispatchHeld();
  }

  /** True while another request may be dispatched (in-flight count and bytes below the limits). */
  private get underInFlightLimits(): boolean {
    return this.slots.length < this.maxInFlight && this.inFlightBytes <= this.maxInFlightBytes;
  }

  /**
   * Dispatches held frames in arrival order while the in-flight limits allow; frames beyond the
   * limits stay held (one socket read at most, since reading pauses) until answers free room.
   */
  private dispatchHeld(): void {
    let i = 0;
    const held = this.held;
    while (i < held.length && !this.closed && this.underInFlightLimits) this.dispatch(held[i++]!);
    if (i === held.length) this.held = [];
    else if (i > 0) this.held = held.slice(i);
    if (this.closed) return;
    if (!this.underInFlightLimits && !this.pausedForInFlight) {
      this.pausedForInFlight = true;
      this.socket.pause();
    }
  }

  private dispatch(frame: Buffer): void {
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

  private complete(slot: Slot, result: DispatchResult): void {
    if (this.closed) return;
    if (result.kind === 'close') {
      this.close(result.reason);
      return;
    }
    slot.result = result;
    // Answers finished in the same callback leave in one socket write (fewer syscalls); nextTick
    // runs after the pending microtasks, before any further I/O, so no answer waits for I/O.
    if (!this.flushScheduled && slot === this.slots[0]) {
      this.flushScheduled = true;
      process.nextTick(this.flushNow);
    }
  }

  private readonly flushNow = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  /**
   * Writes every answered slot at the head of the queue, in order, as one corked write. Runs of
   * small chunks are copied into one buffer; chunks of FLUSH_COPY_LIMIT bytes or more (record
   * data) are written as they are.
   */
  private flush(): void {
    if (this.closed) return;
    const head = this.slots[0];
    if (!head || head.result === undefined) return;
    const out: Buffer[] = [];
    let run: Buffer[] = [];
    let runBytes = 0;
    const endRun = (): void => {
      if (run.length === 1) out.push(run[0]!);
      else if (run.length > 1) out.push(Buffer.concat(run, runBytes));
      run = [];
      runBytes = 0;
    };
    let n = 0;
    while (n < this.slots.length && this.slots[n]!.result !== undefined) {
      const slot = this.slots[n++]!;
      this.inFlightBytes -= slot.size;
      const res = slot.result!;
      if (res.kind !== 'response') continue;
      for (const c of res.chunks) {
        if (c.length >= FLUSH_COPY_LIMIT) {
          endRun();
          out.push(c);
        } else {
          run.push(c);
          runBytes += c.length;
        }
      }
    }
    endRun();
    if (n === this.slots.length) this.slots.length = 0;
    else this.slots.splice(0, n);
    if (out.length === 1) this.socket.write(out[0]!);
    else if (out.length > 1) {
      this.socket.cork();
      for (const c of out) this.socket.write(c);
      this.socket.uncork();
    }
    if (this.slots.length === 0) this.notifyDrained();
    if (this.socket.writableLength > this.maxQueuedBytes) {
      this.pausedForWrites = true;
      this.socket.pause();
    }
    if (this.held.length > 0) this.dispatchHeld();
    if (this.pausedForInFlight && this.underInFlightLimits) {
      this.pausedForInFlight = false;
      this.maybeResume();
    }
  }

  private maybeResume(): void {
    if (this.closed || this.pausedForWrites || this.pausedForInFlight) return;
    this.socket.resume();
  }
}
