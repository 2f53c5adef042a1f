/**
 * A pipelined Kafka request/response client over one socket, built on Gregor's own codecs
 * (protocol/header + generated messages), for exercising exact API versions: the integration
 * tests and the benchmarks use it (it is not part of the broker).
 *
 * Requests issued in one callback leave in one socket write, after the callback (as a real
 * client's send buffer does), so a load generator spends little of the shared CPU on syscalls.
 */
import net from 'net';
import { FrameDecoder } from '../protocol/frame';
import { decodeResponse, encodeRequest } from '../protocol/header';

export class RawClient {
  private readonly frames = new FrameDecoder(64 * 1024 * 1024);
  /** Unanswered requests by correlation id. */
  private readonly pending = new Map<number, { apiKey: number; version: number; resolve: (body: unknown) => void }>();
  private corr = 0;
  /** Encoded requests of the current callback, written together from a nextTick. */
  private outgoing: Buffer[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.frames.push(chunk)) {
        const id = frame.readInt32BE(0);
        const p = this.pending.get(id);
        if (!p) throw new Error(`response with unknown correlation id ${id}`);
        this.pending.delete(id);
        p.resolve(decodeResponse(p.apiKey, p.version, frame).body);
      }
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends a request and resolves with its decoded response body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  request<Req = any, Resp = any>(apiKey: number, version: number, req: Req, clientId = 'raw'): Promise<Resp> {
    const corr = ++this.corr;
    return new Promise<Resp>((resolve) => {
      this.pending.set(corr, { apiKey, version, resolve: resolve as (body: unknown) => void });
      this.send(encodeRequest(apiKey, version, corr, clientId, req));
    });
  }

  /** Sends a request for which no response is expected (Produce acks=0). */
  sendOnly<Req>(apiKey: number, version: number, req: Req, clientId = 'raw'): void {
    this.send(encodeRequest(apiKey, version, ++this.corr, clientId, req));
  }

  close(): void {
    this.socket.destroy();
  }

  private send(chunks: readonly Buffer[]): void {
    if (this.outgoing.length === 0) process.nextTick(this.flush);
    for (const c of chunks) this.outgoing.push(c);
  }

  private readonly flush = (): void => {
    const out = this.outgoing;
    this.outgoing = [];
    if (out.length > 0 && !this.socket.destroyed) this.socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  };
}
