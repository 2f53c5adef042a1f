/** A pipelined Kafka-wire client on protocol/ codecs, for exercising exact API versions. */
import net from 'net';
import { FrameDecoder } from '../../protocol/frame';
import { decodeResponse, encodeRequest } from '../../protocol/header';

export class RawClient {
  private readonly frames = new FrameDecoder(64 * 1024 * 1024);
  private readonly pending = new Map<number, { apiKey: number; version: number; resolve: (b: unknown) => void }>();
  private corr = 0;
  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.frames.push(chunk)) {
        const p = this.pending.get(f.readInt32BE(0));
        if (!p) continue;
        this.pending.delete(f.readInt32BE(0));
        p.resolve(decodeResponse(p.apiKey, p.version, f).body);
      }
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  request<T = any>(apiKey: number, version: number, body: unknown, clientId = 'raw'): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const corr = ++this.corr;
    return new Promise<T>((resolve) => {
      this.pending.set(corr, { apiKey, version, resolve: resolve as (b: unknown) => void });
      for (const c of encodeRequest(apiKey, version, corr, clientId, body)) this.socket.write(c);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
