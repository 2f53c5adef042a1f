import { spawn } from 'child_process';
import { startTestBroker, type TestBroker } from './helpers';
import { requireKcat } from '../helpers/require-kcat';

jest.setTimeout(120000);


/** Runs kcat with `input` on stdin; resolves with stdout (rejects on a non-zero exit). */
function kcat(args: string[], input?: string | Buffer, timeoutMs = 90000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString().slice(0, 2000)}`));
    });
    p.stdin.end(input ?? '');
  });
}

const N = 100_000;

describe('Integration > librdkafka (kcat)', () => {
  let broker: TestBroker;

  beforeAll(async () => {
    requireKcat();
    broker = await startTestBroker();
  });
  afterAll(async () => {
    await broker.destroy();
  });

  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'])('produces 100,000 messages with %s and consumes them back byte-exact', async (codec) => {
    const topic = `kcat-${codec}`;
    const lines: string[] = [];
    for (let i = 0; i < N; i++) lines.push(`k${i}\t${codec}-${i}-${((i * 2654435761) >>> 0).toString(16)}${'x'.repeat(i % 40)}`);
    const input = lines.join('\n') + '\n';
    await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0', '-K', '\t', '-z', codec, '-X', 'topic.request.required.acks=-1', '-X', 'linger.ms=5'], input);
    const out = await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o\t%k\t%s\n']);
    const got = out.toString('utf8').split('\n').filter((l) => l !== '');
    expect(got.length).toBe(N);
    for (let i = 0; i < N; i++) {
      if (got[i] !== `${i}\t${lines[i]}`) throw new Error(`message ${i} differs: ${got[i]} vs ${i}\t${lines[i]}`);
    }
  });

  it('kcat -L lists the broker and topics', async () => {
    const out = JSON.parse((await kcat(['-b', broker.bootstrap, '-L', '-J'])).toString()) as {
      brokers: { id: number; name: string }[];
      topics: { topic: string; partitions: { partition: number; leader: number }[] }[];
    };
    expect(out.brokers).toEqual([{ id: broker.brokerId, name: broker.bootstrap }]);
    const t = out.topics.find((x) => x.topic === 'kcat-none');
    expect(t?.partitions).toEqual([expect.objectContaining({ partition: 0, leader: broker.brokerId })]);
  });

  it('kcat -Q finds offsets for timestamps', async () => {
    const topic = 'kcat-times';
    // Record timestamps are set by kcat's producer (-X not needed); use the produce time window.
    const before = Date.now();
    await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0'], 'a\nb\nc\n');
    await new Promise((r) => setTimeout(r, 20));
    const mid = Date.now();
    await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0'], 'd\ne\n');
    // Async (the broker runs in this process): kcat -Q prints "topic [partition] offset M".
    const q = async (ts: number) => (await kcat(['-b', broker.bootstrap, '-Q', '-t', `${topic}:0:${ts}`])).toString();
    expect(await q(before - 1000)).toMatch(/\[0\] offset 0\b/);
    expect(await q(mid)).toMatch(/\[0\] offset 3\b/);
    expect(await q(-1)).toMatch(/\[0\] offset 5\b/);
    expect(await q(-2)).toMatch(/\[0\] offset 0\b/);
  });
});
