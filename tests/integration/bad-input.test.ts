import net from 'net';
import { Writable } from 'stream';
import pino from 'pino';
import { Kafka, logLevel } from 'kafkajs';
import { startTestBroker, type TestBroker } from './helpers';

process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
jest.setTimeout(90000);

interface LogLine {
  level: number;
  msg: string;
  peer?: string;
  reason?: string;
}

function captureLogger(): { logger: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as LogLine);
      cb();
    },
  });
  return { logger: pino({ level: 'warn' }, dest), lines };
}

function frame(payload: Buffer): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(payload.length);
  return Buffer.concat([b, payload]);
}

/** Request header v1 (apiKey, version, correlationId, clientId). */
function header(apiKey: number, version: number): Buffer {
  const client = Buffer.from('bad');
  const b = Buffer.alloc(10 + client.length);
  b.writeInt16BE(apiKey, 0);
  b.writeInt16BE(version, 2);
  b.writeInt32BE(7, 4);
  b.writeInt16BE(client.length, 8);
  client.copy(b, 10);
  return b;
}

/** Sends bytes on a fresh connection; resolves with the local port and whether the broker closed it. */
function send(port: number, bytes: Buffer, waitMs = 2000): Promise<{ localPort: number; closed: boolean; received: number }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let received = 0;
    let localPort = 0;
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ localPort, closed: false, received });
    }, waitMs);
    s.on('connect', () => {
      localPort = s.localPort ?? 0;
      s.write(bytes);
    });
    s.on('data', (d) => {
      received += d.length;
      clearTimeout(timer);
      s.destroy(); // answered: a random frame that happened to be a valid request
      resolve({ localPort, closed: false, received });
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ localPort, closed: received === 0, received });
    });
  });
}

const TLS_CLIENT_HELLO = Buffer.from(
  '16030100a5010000a10303' + '00'.repeat(32) + '000020c02bc02fc02cc030cca9cca8c013c014009c009d002f0035c012000a130113021303' + '0100',
  'hex',
);

describe('Integration > bad input on the Kafka port', () => {
  let broker: TestBroker;
  let lines: LogLine[];

  beforeAll(async () => {
    const cap = captureLogger();
    lines = cap.lines;
    broker = await startTestBroker({ logger: cap.logger });
  });
  afterAll(async () => {
    await broker.destroy();
  });

  it('closes only the offending connection, with one warning naming the peer and the reason, and keeps serving', async () => {
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'safe', messages: Array.from({ length: 20 }, (_, i) => ({ value: `before-${i}` })) });

    const cases: [string, Buffer, RegExp][] = [
      ['malformed frame', frame(Buffer.from([0, 3, 0])), /shorter than a request header/],
      ['oversized length', Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]), /exceeds the maximum of 104857600 \(socket.request.max.bytes\)/],
      ['HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'), /HTTP request/],
      ['TLS ClientHello', TLS_CLIENT_HELLO, /TLS handshake/],
      ['garbage after a valid header', frame(Buffer.concat([header(3, 1), Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3])])), /malformed Metadata v1/],
      ['unknown API key', frame(header(4242, 0)), /unknown API key 4242/],
      ['negative length', Buffer.from([0xff, 0xff, 0xff, 0xfe]), /negative frame size/],
    ];
    for (const [name, bytes, reason] of cases) {
      const from = lines.length;
      const r = await send(broker.port, bytes);
      expect({ name, closed: r.closed, received: r.received }).toEqual({ name, closed: true, received: 0 });
      await new Promise((res) => setTimeout(res, 20));
      const w = lines.slice(from).filter((l) => l.level === 40);
      expect(w.every((l) => l.peer === `127.0.0.1:${r.localPort}`)).toBe(true);
      expect({ name, count: w.length }).toEqual({ name, count: 1 });
      expect(w[0]!.reason).toMatch(reason);
      expect(w[0]!.msg).toContain(`127.0.0.1:${r.localPort}`);
    }

    // Thousands of random frames, 50 connections at a time: each connection is either answered
    // (a random frame that happens to be valid) or closed with exactly one warning.
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const results: { localPort: number; closed: boolean }[] = [];
    const warningsBefore = lines.filter((l) => l.level === 40).length;
    for (let batch = 0; batch < 40; batch++) {
      const sends: Promise<{ localPort: number; closed: boolean; received: number }>[] = [];
      for (let i = 0; i < 50; i++) {
        const len = rnd(64);
        const payload = Buffer.alloc(len);
        for (let j = 0; j < len; j++) payload[j] = rnd(256);
        if (len >= 4 && rnd(2) === 0) payload.writeInt16BE(rnd(70), 0); // often a known API key
        const raw = rnd(10) === 0;
        const bytes = raw ? payload : frame(payload);
        // A raw payload whose first 4 bytes declare more bytes than follow (within the size
        // limit) is an incomplete frame: the broker waits for the rest and never warns.
        const declared = len >= 4 ? payload.readInt32BE(0) : -1;
        const incomplete = raw && (len < 4 || (declared >= 0 && declared <= 104857600 && declared > len - 4));
        sends.push(send(broker.port, bytes, incomplete ? 100 : 10000));
      }
      results.push(...(await Promise.all(sends)));
    }
    expect(results.length).toBe(2000);
    await new Promise((res) => setTimeout(res, 50));
    // Every connection the broker closed has exactly one warning; answered or still-waiting
    // ones (a declared length longer than what was sent) have none. (Ports get reused, so count.)
    const closedByBroker = results.filter((r) => r.closed).length;
    expect(lines.filter((l) => l.level === 40).length - warningsBefore).toBe(closedByBroker);
    expect(closedByBroker).toBeGreaterThan(1000);

    // A normal client still works, and what was acknowledged before is intact.
    await producer.send({ topic: 'safe', messages: [{ value: 'after' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'bad-input-check', maxWaitTimeInMs: 100 });
    const got: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'safe', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    const end = Date.now() + 20000;
    while (got.length < 21 && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
    await consumer.disconnect();
    expect(got).toEqual([...Array.from({ length: 20 }, (_, i) => `before-${i}`), 'after']);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});

describe('Integration > connection limits', () => {
  for (const [key, limit] of [['max.connections.per.ip', 3], ['max.connections', 2]] as const) {
    it(`enforces ${key} and keeps earlier connections working`, async () => {
      const cap = captureLogger();
      const broker = await startTestBroker({ logger: cap.logger, config: { [key]: limit } });
      try {
        const socks = await Promise.all(
          Array.from(
            { length: limit },
            () =>
              new Promise<net.Socket>((resolve) => {
                const s = net.connect(broker.port, '127.0.0.1', () => resolve(s));
              }),
          ),
        );
        await new Promise((r) => setTimeout(r, 50));
        const refused = await send(broker.port, Buffer.alloc(0), 1000);
        expect(refused.closed).toBe(true);
        expect(cap.lines.some((l) => l.level === 40 && new RegExp(`${key} ${limit}`).test(l.msg))).toBe(true);
        // An ApiVersions v0 request on an accepted connection is still answered.
        const answered = await new Promise<number>((resolve) => {
          socks[0]!.once('data', (d: Buffer) => resolve(d.readInt32BE(4)));
          socks[0]!.write(frame(header(18, 0)));
        });
        expect(answered).toBe(7);
        for (const s of socks) s.destroy();
      } finally {
        await broker.destroy();
      }
    });
  }
});
