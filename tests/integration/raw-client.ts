/** A minimal Kafka request/response client over one socket, built on Gregor's generated codecs (tests only). */
import net from 'net';
import { apiInfo, isFlexibleVersion } from '../../protocol/generated/api-keys';
import { sizeRequestHeader, writeRequestHeader } from '../../protocol/generated/request-header';
import { Reader } from '../../protocol/primitives/reader';
import { Writer } from '../../protocol/primitives/writer';

export class RawClient {
  private buf = Buffer.alloc(0);
  private waiting: ((frame: Buffer) => void)[] = [];
  private corr = 1;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readInt32BE(0)) {
        const n = this.buf.readInt32BE(0);
        const frame = this.buf.subarray(4, 4 + n);
        this.buf = this.buf.subarray(4 + n);
        this.waiting.shift()?.(frame);
      }
    });
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends a request and decodes its response (response header v0/v1 by the API's flexible versions). */
  async request<Req, Resp>(apiKey: number, version: number, req: Req): Promise<Resp> {
    const info = apiInfo(apiKey)!;
    const flexible = isFlexibleVersion(info, version);
    const header = { requestApiKey: apiKey, requestApiVersion: version, correlationId: this.corr++, clientId: 'raw' };
    const hv = flexible ? 2 : 1;
    const size = sizeRequestHeader(header, hv) + info.request.size(req, version);
    const w = new Writer(4 + size);
    w.writeInt32(size);
    writeRequestHeader(w, header, hv);
    info.request.write(w, req, version);
    const frame = await new Promise<Buffer>((resolve) => {
      this.waiting.push(resolve);
      this.socket.write(w.finishConcat());
    });
    const r = new Reader(frame);
    expectEq(r.readInt32(), header.correlationId);
    if (flexible && apiKey !== 18) r.readUnsignedVarint(); // empty tag buffer
    return info.response.read(r, version) as Resp;
  }

  /** Sends a request for which no response is expected (Produce acks=0). */
  sendOnly<Req>(apiKey: number, version: number, req: Req): void {
    const info = apiInfo(apiKey)!;
    const hv = isFlexibleVersion(info, version) ? 2 : 1;
    const header = { requestApiKey: apiKey, requestApiVersion: version, correlationId: this.corr++, clientId: 'raw' };
    const size = sizeRequestHeader(header, hv) + info.request.size(req, version);
    const w = new Writer(4 + size);
    w.writeInt32(size);
    writeRequestHeader(w, header, hv);
    info.request.write(w, req, version);
    this.socket.write(w.finishConcat());
  }

  close(): void {
    this.socket.destroy();
  }
}

function expectEq(a: number, b: number): void {
  if (a !== b) throw new Error(`correlation id ${a} != ${b}`);
}
