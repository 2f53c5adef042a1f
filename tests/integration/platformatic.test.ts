import { spawn } from 'child_process';
import path from 'path';
import { startTestBroker, type TestBroker } from './helpers';

jest.setTimeout(60000);

function runClient(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(__dirname, 'platformatic-client.mjs'), ...args], { cwd: path.join(__dirname, '..', '..') });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`client exited ${code}: ${err.slice(0, 3000)}`))));
  });
}

describe('Integration > @platformatic/kafka 1.x (flexible versions)', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(async () => {
    await broker.destroy();
  });

  it('creates a topic, produces and consumes with a group', async () => {
    const out = JSON.parse(await runClient([broker.bootstrap, 'pl-topic', '40'])) as {
      created: boolean;
      metadataPartitions: number;
      produced: number;
      consumed: { partition: number; offset: string; key: string; value: string; idx: string }[];
    };
    expect(out.created).toBe(true);
    expect(out.metadataPartitions).toBe(2);
    expect(out.produced).toBe(40);
    expect(out.consumed.length).toBe(40);
    for (const p of [0, 1]) {
      const mine = out.consumed.filter((m) => m.partition === p);
      expect(mine.map((m) => m.offset)).toEqual(mine.map((_, i) => String(i)));
      expect(mine.map((m) => m.value)).toEqual(mine.map((m) => `value-${m.idx}`));
      expect(mine.every((m) => m.key === `k${m.idx}` && Number(m.idx) % 2 === p)).toBe(true);
    }
    expect(broker.services.metadataCache.topic('pl-topic')?.assignment.size).toBe(2);
  });
});
