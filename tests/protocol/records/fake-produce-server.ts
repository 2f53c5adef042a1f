/**
 * A tiny TCP server that speaks just enough Kafka for a producer (librdkafka via kcat) to send one
 * Produce request: ApiVersions v0-v3, Metadata v0-v4, Produce v0-v7 (Fetch is advertised, never served). Everything is hand-encoded
 * (independent of protocol/generated). Each Produce request's records fields are captured.
 */
import * as net from 'net';

export interface CapturedProduce {
  apiVersion: number;
  topic: string;
  partition: number;
  records: Buffer;
}

const API_VERSIONS = 18;
const METADATA = 3;
const PRODUCE = 0;
const FETCH = 1;
const FIND_COORDINATOR = 10;
/** [apiKey, min, max]. librdkafka derives features from these: magic 2 needs Produce 3+ and Fetch 4+, zstd needs Produce 7+ and Fetch 10+, LZ4 needs FindCoordinator. */
export type ApiRange = [number, number, number];
export const MODERN_APIS: ApiRange[] = [
  [PRODUCE, 0, 7],
  [FETCH, 0, 11],
  [FIND_COORDINATOR, 0, 2],
  [METADATA, 0, 4],
  [API_VERSIONS, 0, 3],
];
/** Advertised versions that make librdkafka write magic-1 message sets (Produce v2, Fetch v2). */
export const MAGIC_V1_APIS: ApiRange[] = [
  [PRODUCE, 0, 2],
  [FETCH, 0, 2],
  [FIND_COORDINATOR, 0, 0],
  [METADATA, 0, 4],
  [API_VERSIONS, 0, 3],
];
/** Advertised versions that make librdkafka write magic-0 message sets. */
export const MAGIC_V0_APIS: ApiRange[] = [
  [PRODUCE, 0, 1],
  [FETCH, 0, 1],
  [FIND_COORDINATOR, 0, 0],
  [METADATA, 0, 4],
  [API_VERSIONS, 0, 3],
];

class Out {
  private parts: Buffer[] = [];
  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    this.parts.push(b);
    return this;
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  int64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    this.parts.push(b);
    return this;
  }
  uvarint(v: number): this {
    const bytes: number[] = [];
    while (v >= 0x80) {
      bytes.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    bytes.push(v);
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  string(s: string | null): this {
    if (s === null) return this.int16(-1);
    const b = Buffer.from(s);
    this.int16(b.length);
    this.parts.push(b);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class In {
  constructor(
    private b: Buffer,
    public pos = 0,
  ) {}
  int16(): number {
    const v = this.b.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    const v = this.b.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  string(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    const s = this.b.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  bytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) return null;
    const s = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

function apiVersionsResponse(version: number, apis: ApiRange[]): Buffer {
  const o = new Out().int16(0);
  if (version >= 3) {
    o.uvarint(apis.length + 1);
    for (const [k, min, max] of apis) o.int16(k).int16(min).int16(max).uvarint(0);
    return o.int32(0).uvarint(0).done();
  }
  o.int32(apis.length);
  for (const [k, min, max] of apis) o.int16(k).int16(min).int16(max);
  if (version >= 1) o.int32(0);
  return o.done();
}

function metadataResponse(version: number, port: number, topics: string[]): Buffer {
  const o = new Out();
  if (version >= 3) o.int32(0);
  o.int32(1).int32(1).string('127.0.0.1').int32(port);
  if (version >= 1) o.string(null);
  if (version >= 2) o.string('fake-cluster');
  if (version >= 1) o.int32(1);
  o.int32(topics.length);
  for (const t of topics) {
    o.int16(0).string(t);
    if (version >= 1) o.int8(0);
    o.int32(1).int16(0).int32(0).int32(1).int32(1).int32(1).int32(1).int32(1);
  }
  return o.done();
}

export class FakeProduceServer {
  readonly captured: CapturedProduce[] = [];
  private server = net.createServer((s) => this.onConnection(s));
  private sockets = new Set<net.Socket>();
  private waiters: Array<() => void> = [];
  port = 0;

  constructor(
    private readonly topic: string,
    private readonly apis: ApiRange[] = MODERN_APIS,
  ) {}

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Resolves once at least one Produce request has arrived. */
  waitForProduce(): Promise<void> {
    if (this.captured.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private onConnection(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        const frame = pending.subarray(4, 4 + size);
        pending = pending.subarray(4 + size);
        const reply = this.handle(frame);
        if (reply !== null) {
          const len = Buffer.alloc(4);
          len.writeInt32BE(reply.length);
          socket.write(Buffer.concat([len, reply]));
        }
      }
    });
  }

  private handle(frame: Buffer): Buffer | null {
    const r = new In(frame);
    const apiKey = r.int16();
    const version = r.int16();
    const correlationId = r.int32();
    r.string(); // clientId
    const header = new Out().int32(correlationId).done();
    if (apiKey === API_VERSIONS) return Buffer.concat([header, apiVersionsResponse(version, this.apis)]);
    if (apiKey === METADATA) return Buffer.concat([header, metadataResponse(version, this.port, [this.topic])]);
    if (apiKey === PRODUCE) {
      if (version >= 3) r.string(); // transactionalId
      const acks = r.int16();
      r.int32(); // timeoutMs
      const out = new Out();
      const topicCount = r.int32();
      out.int32(topicCount);
      for (let t = 0; t < topicCount; t++) {
        const topic = r.string() ?? '';
        const partCount = r.int32();
        out.string(topic).int32(partCount);
        for (let p = 0; p < partCount; p++) {
          const partition = r.int32();
          const records = Buffer.from(r.bytes() ?? Buffer.alloc(0));
          this.captured.push({ apiVersion: version, topic, partition, records });
          out.int32(partition).int16(0).int64(0n);
          if (version >= 2) out.int64(-1n);
          if (version >= 5) out.int64(0n);
        }
      }
      out.int32(0); // throttleTimeMs
      for (const w of this.waiters.splice(0)) w();
      return acks === 0 ? null : Buffer.concat([header, out.done()]);
    }
    return null; // unknown: no answer (the client times out)
  }
}
