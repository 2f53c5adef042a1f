import net from 'net';
import pino from 'pino';
import { Connection, type ConnectionInfo, type DispatchResult, type FrameHandler } from '../../broker/network/connection';

const silent = pino({ level: 'silent' });

function frame(payload: Buffer): Buffer {
  const b = Buffer.alloc(4 + payload.length);
  b.writeInt32BE(payload.length, 0);
  payload.copy(b, 4);
  return b;
}

/** Echo-style handler: the response to request i is "resp:<payload>", completed when released. */
class ControlledHandler implements FrameHandler {
  calls: string[] = [];
  private waiters = new Map<string, (r: DispatchResult) => void>();
  constructor(private readonly respSize = 0) {}
  handleFrame(f: Buffer, _c: ConnectionInfo): Promise<DispatchResult> | DispatchResult {
    const id = f.toString();
    this.calls.push(id);
    if (id.startsWith('none')) return { kind: 'none' };
    if (id.startsWith('now')) return { kind: 'response', chunks: [frame(Buffer.from(`resp:${id}`))] };
    return new Promise((resolve) => this.waiters.set(id, resolve));
  }
  release(id: string): void {
    const pad = this.respSize > 0 ? [Buffer.alloc(this.respSize, 1)] : [];
    const body = Buffer.from(`resp:${id}`);
    const len = Buffer.alloc(4);
    len.writeInt32BE(body.length + pad.reduce((n, b) => n + b.length, 0));
    this.waiters.get(id)!({ kind: 'response', chunks: [len, body, ...pad] });
    this.waiters.delete(id);
  }
  /** Releases every request still waiting for its answer (builds each padded answer once). */
  releaseWaiting(): void {
    for (const id of [...this.waiters.keys()]) this.release(id);
  }
}

async function setup(handler: FrameHandler, opts: Partial<{ idleMs: number; maxInFlight: number; maxInFlightBytes: number; maxQueuedBytes: number }> = {}) {
  let conn: Connection | undefined;
  const server = net.createServer((s) => {
    conn = new Connection(s, 1, 'peer', 'PLAINTEXT', handler, silent, { maxFrameBytes: 1 << 20, idleMs: opts.idleMs ?? 0, maxInFlight: opts.maxInFlight, maxInFlightBytes: opts.maxInFlightBytes, maxQueuedBytes: opts.maxQueuedBytes });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', () => r()));
  const responses: string[] = [];
  // Received bytes not yet parsed; joined only once a whole frame is there, so parsing stays
  // linear in the bytes received (responses here can be megabytes of padding each).
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let needed = 4;
  const onData = (d: Buffer): void => {
    pending.push(d);
    pendingBytes += d.length;
    while (pendingBytes >= needed) {
      let buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const n = buf.readInt32BE(0);
        let end = 4 + n;
        while (end > 4 && buf[end - 1] === 0x01) end--; // strip the padding
        responses.push(buf.subarray(4, end).toString('latin1'));
        buf = buf.subarray(4 + n);
      }
      pending = buf.length > 0 ? [buf] : [];
      pendingBytes = buf.length;
      needed = buf.length >= 4 ? 4 + buf.readInt32BE(0) : 4;
    }
  };
  client.on('data', onData);
  const closed = new Promise<void>((r) => client.once('close', () => r()));
  const cleanup = async () => {
    client.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return { server, client, responses, closed, cleanup, conn: () => conn! };
}

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('Broker > connection', () => {
  it('answers pipelined requests in request order even when completed out of order', async () => {
    const h = new ControlledHandler();
    const t = await setup(h);
    t.client.write(Buffer.concat([frame(Buffer.from('a')), frame(Buffer.from('b')), frame(Buffer.from('now-c')), frame(Buffer.from('d'))]));
    await until(() => h.calls.length === 4);
    // All four were dispatched before any answer: processing is concurrent.
    expect(h.calls).toEqual(['a', 'b', 'now-c', 'd']);
    h.release('d');
    h.release('b');
    await new Promise((r) => setTimeout(r, 50));
    expect(t.responses).toEqual([]);
    h.release('a');
    await until(() => t.responses.length === 4);
    expect(t.responses).toEqual(['resp:a', 'resp:b', 'resp:now-c', 'resp:d']);
    await t.cleanup();
  });

  it('writes nothing for a request without a response (acks=0) and keeps the connection open', async () => {
    const h = new ControlledHandler();
    const t = await setup(h);
    t.client.write(Buffer.concat([frame(Buffer.from('now-1')), frame(Buffer.from('none-2')), frame(Buffer.from('now-3'))]));
    await until(() => t.responses.length === 2);
    expect(t.responses).toEqual(['resp:now-1', 'resp:now-3']);
    expect(t.conn().isClosed).toBe(false);
    await t.cleanup();
  });

  it('stops reading while too many requests are unanswered, and resumes', async () => {
    const h = new ControlledHandler();
    const t = await setup(h, { maxInFlight: 2 });
    for (const id of ['a', 'b', 'c', 'd']) {
      t.client.write(frame(Buffer.from(id)));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(h.calls).toEqual(['a', 'b']);
    h.release('a');
    h.release('b');
    await until(() => h.calls.length === 4);
    h.release('c');
    h.release('d');
    await until(() => t.responses.length === 4);
    expect(t.responses).toEqual(['resp:a', 'resp:b', 'resp:c', 'resp:d']);
    await t.cleanup();
  });

  it('keeps the in-flight limit when the frames beyond it arrive in the same read', async () => {
    const h = new ControlledHandler();
    const t = await setup(h, { maxInFlight: 2 });
    t.client.write(Buffer.concat(['a', 'b', 'c', 'd', 'e'].map((id) => frame(Buffer.from(id)))));
    await until(() => h.calls.length >= 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.calls).toEqual(['a', 'b']);
    h.release('a');
    await until(() => h.calls.length === 3);
    expect(h.calls).toEqual(['a', 'b', 'c']);
    h.release('b');
    h.release('c');
    await until(() => h.calls.length === 5);
    h.release('d');
    h.release('e');
    await until(() => t.responses.length === 5);
    expect(t.responses).toEqual(['resp:a', 'resp:b', 'resp:c', 'resp:d', 'resp:e']);
    await t.cleanup();
  });

  it('stops reading while too many request bytes are unanswered (queued.max.request.bytes), and resumes', async () => {
    const h = new ControlledHandler();
    const t = await setup(h, { maxInFlightBytes: 10 });
    for (const id of ['big-1', 'big-2', 'big-3']) {
      t.client.write(frame(Buffer.from(id.padEnd(8, '.'))));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(h.calls).toEqual(['big-1...', 'big-2...']);
    h.release('big-1...');
    h.release('big-2...');
    await until(() => h.calls.length === 3);
    h.release('big-3...');
    await until(() => t.responses.length === 3);
    await t.cleanup();
  });

  it('stops reading requests while the client does not read its responses', async () => {
    const h = new ControlledHandler(2 * 1024 * 1024);
    const t = await setup(h, { maxQueuedBytes: 1024 * 1024 });
    t.client.pause();
    let sent = 0;
    for (let i = 0; i < 30; i++) {
      t.client.write(frame(Buffer.from(`r${i}`)));
      sent++;
      await new Promise((r) => setTimeout(r, 5));
      h.releaseWaiting();
    }
    await new Promise((r) => setTimeout(r, 100));
    const dispatchedWhilePaused = h.calls.length;
    expect(dispatchedWhilePaused).toBeLessThan(sent);
    t.client.resume();
    await until(() => {
      h.releaseWaiting();
      return t.responses.length === sent;
    }, 10000);
    expect(t.responses).toEqual(Array.from({ length: sent }, (_, i) => `resp:r${i}`));
    await t.cleanup();
  });

  it('closes an idle connection after connections.max.idle.ms', async () => {
    const h = new ControlledHandler();
    const t = await setup(h, { idleMs: 100 });
    const start = Date.now();
    await t.closed;
    expect(Date.now() - start).toBeGreaterThanOrEqual(90);
    await t.cleanup();
  });

  it('closes only this connection on an oversized frame', async () => {
    const h = new ControlledHandler();
    const t = await setup(h);
    const b = Buffer.alloc(4);
    b.writeInt32BE(2 ** 30);
    t.client.write(b);
    await t.closed;
    expect(h.calls).toEqual([]);
    await t.cleanup();
  });
});
