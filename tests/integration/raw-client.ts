/**
 * A pipelined Kafka request/response client over one socket, built on Gregor's own codecs
 * (protocol/header + generated messages), for exercising exact API versions (tests only).
 */
import net from 'net';
import { FrameDecoder } from '../../protocol/frame';
import { decodeResponse, encodeRequest } from '../../protocol/header';

export class RawClient {
  private readonly frames = new FrameDecoder(64 * 1024 * 1024);
  /** Unanswered requests by correlation id. */
  private readonly pending = new Map<number, { apiKey: number; version: number; resolve: (body: unknown) => void }>();
  private corr = 0;

  private constructor(private readonly socket: net.Socket) {
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
      for (const c of encodeRequest(apiKey, version, corr, clientId, req)) this.socket.write(c);
    });
  }

  /** Sends a request for which no response is expected (Produce acks=0). */
  sendOnly<Req>(apiKey: number, version: number, req: Req, clientId = 'raw'): void {
    for (const c of encodeRequest(apiKey, version, ++this.corr, clientId, req)) this.socket.write(c);
  }

  close(): void {
    this.socket.destroy();
  }
}
