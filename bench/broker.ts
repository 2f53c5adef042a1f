/**
 * Broker benchmark: builds ../shared/tools/rdbench.c (librdkafka load generator) into
 * bench/rdbench, starts one Gregor broker as a child process on a temp data dir, runs
 *   produce 2,000,000 x 100 B (acks=1), produce 200,000 x 1 KiB, consume the 2,000,000,
 *   produce-to-ack latency at 2,000 msg/s,
 * samples the broker's resident memory (/proc/PID/status VmRSS) throughout, records the CPU
 * the broker and rdbench each used during every run (to tell which side limits a result on a
 * small machine), and prints a markdown table. Run: `npm run build && node dist/bench/broker.js` or `npx tsx bench/broker.ts`.
 * Environment: BENCH_SCALE (default 1) scales every message count, e.g. 0.1 for a quick run.
 */
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

const ROOT = path.resolve(__dirname, '..', path.basename(path.resolve(__dirname, '..')) === 'dist' ? '..' : '');
const SOURCE = path.resolve(ROOT, '..', 'shared', 'tools', 'rdbench.c');
const BINARY = path.join(ROOT, 'bench', 'rdbench');
const SCALE = Number(process.env['BENCH_SCALE'] ?? '1');

function buildRdbench(): void {
  if (!fs.existsSync(SOURCE)) throw new Error(`rdbench source not found at ${SOURCE}`);
  if (fs.existsSync(BINARY) && fs.statSync(BINARY).mtimeMs >= fs.statSync(SOURCE).mtimeMs) return;
  try {
    execFileSync('cc', ['-O2', '-o', BINARY, SOURCE, '-lrdkafka'], { stdio: 'inherit' });
  } catch {
    throw new Error('building rdbench failed: install a C compiler and librdkafka (`apt-get install build-essential librdkafka-dev`)');
  }
}

interface RunningBroker {
  child: ChildProcess;
  bootstrap: string;
  dataDir: string;
}

async function startBrokerProcess(): Promise<RunningBroker> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gregor-bench-'));
  const compiled = path.join(ROOT, 'dist', 'broker', 'main.js');
  const useDist = __filename.endsWith('.js') && fs.existsSync(compiled);
  // In-process TypeScript loader (not the tsx CLI, which would add a wrapper process to the RSS).
  const args = useDist ? [compiled] : ['--require', require.resolve('tsx/cjs'), path.join(ROOT, 'broker', 'main.ts')];
  const child = spawn(process.execPath, [...args, 'broker', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', `log.dirs=${dataDir}`, '--log-level', 'info'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const bootstrap = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start: ${out.slice(-2000)}`)), 30000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on PLAINTEXT:\/\/([0-9.]+):(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`${m[1]}:${m[2]}`);
      }
    });
    child.once('exit', (code) => reject(new Error(`broker exited ${code}: ${out.slice(-2000)}`)));
  });
  child.stdout!.resume();
  return { child, bootstrap, dataDir };
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Fields of /proc/PID/stat after the command name (index 0 = state), or null off Linux. */
function procStat(pid: number | 'self'): string[] | null {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return null;
  }
}

/**
 * CPU seconds so far of the broker (utime + stime) and of this process's reaped children
 * (cutime + cstime: every finished rdbench run), in clock ticks of 1/100 s.
 */
function cpuSnapshot(brokerPid: number): { broker: number; clients: number } {
  const b = procStat(brokerPid);
  const me = procStat('self');
  return {
    broker: b ? (Number(b[11]) + Number(b[12])) / 100 : NaN,
    clients: me ? (Number(me[13]) + Number(me[14])) / 100 : NaN,
  };
}

/** Runs rdbench and reports the cores (CPU seconds per wall second) the broker and rdbench used meanwhile. */
async function measured(brokerPid: number, args: string[]): Promise<{ out: string; cpu: string }> {
  const c0 = cpuSnapshot(brokerPid);
  const t0 = process.hrtime.bigint();
  const out = await rdbench(args);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c1 = cpuSnapshot(brokerPid);
  return { out, cpu: `broker ${((c1.broker - c0.broker) / secs).toFixed(2)}, rdbench ${((c1.clients - c0.clients) / secs).toFixed(2)}` };
}

function rdbench(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`rdbench ${args.join(' ')} exited ${code}: ${err.slice(-2000)}${out}`))));
  });
}

function field(line: string, name: string): number {
  const m = new RegExp(`${name}=([0-9.]+)`).exec(line);
  return m ? Number(m[1]) : NaN;
}

async function main(): Promise<void> {
  buildRdbench();
  const loadBefore = os.loadavg().map((l) => l.toFixed(2)).join(', ');
  const broker = await startBrokerProcess();
  const pid = broker.child.pid!;
  let peakRss = rssMb(pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 100);
  const n100 = Math.round(2_000_000 * SCALE);
  const n1k = Math.round(200_000 * SCALE);
  const nLat = Math.round(20_000 * SCALE);
  const rows: string[] = [];
  try {
    const b = ['-b', broker.bootstrap];
    // Create the topics first (auto-creation on a first produce), so no measurement includes
    // topic creation and the client's metadata refresh.
    for (const t of ['bench-100', 'bench-1k', 'bench-lat']) await rdbench(['produce', ...b, '-t', t, '-n', '1', '-s', '10', '-a', '1']);
    const p100 = await measured(pid, ['produce', ...b, '-t', 'bench-100', '-n', String(n100), '-s', '100', '-a', '1']);
    const rssAfterProduce = rssMb(pid);
    const p1k = await measured(pid, ['produce', ...b, '-t', 'bench-1k', '-n', String(n1k), '-s', '1024', '-a', '1']);
    const c100 = await measured(pid, ['consume', ...b, '-t', 'bench-100', '-n', String(n100 + 1)]);
    // One second of warm-up at the same rate (JIT, connection set-up), then the measured run.
    await rdbench(['latency', ...b, '-t', 'bench-lat', '-n', '2000', '-s', '100', '-r', '2000', '-a', '1']);
    const lat = await measured(pid, ['latency', ...b, '-t', 'bench-lat', '-n', String(nLat), '-s', '100', '-r', '2000', '-a', '1']);
    const latLine = lat.out.split('\n').find((l) => l.startsWith('latency_ms')) ?? '';
    rows.push(`| produce ${n100.toLocaleString('en-US')} x 100 B, acks=1 | ${Math.round(field(p100.out, 'msgs_per_s')).toLocaleString('en-US')} msgs/s | ${field(p100.out, 'mb_per_s')} MB/s | ${p100.cpu} | target >= 2,000,000 msgs/s |`);
    rows.push(`| produce ${n1k.toLocaleString('en-US')} x 1 KiB, acks=1 | ${Math.round(field(p1k.out, 'msgs_per_s')).toLocaleString('en-US')} msgs/s | ${field(p1k.out, 'mb_per_s')} MB/s | ${p1k.cpu} | target >= 300 MB/s |`);
    rows.push(`| consume ${n100.toLocaleString('en-US')} x 100 B | ${Math.round(field(c100.out, 'msgs_per_s')).toLocaleString('en-US')} msgs/s | ${field(c100.out, 'mb_per_s')} MB/s | ${c100.cpu} | target >= 2,000,000 msgs/s |`);
    rows.push(`| produce-to-ack latency at 2,000 msg/s (${nLat.toLocaleString('en-US')} msgs) | p50 ${field(latLine, 'p50')} ms, p99 ${field(latLine, 'p99')} ms, p999 ${field(latLine, 'p999')} ms, max ${field(latLine, 'max')} ms | | ${lat.cpu} | target p99 <= 3 ms |`);
    rows.push(`| broker resident memory | peak ${peakRss.toFixed(0)} MB (after the 100 B produce: ${rssAfterProduce.toFixed(0)} MB) | | | target < 300 MB |`);
  } finally {
    clearInterval(sampler);
    broker.child.kill('SIGTERM');
    await new Promise((r) => broker.child.once('exit', r));
    fs.rmSync(broker.dataDir, { recursive: true, force: true });
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    [
      `Machine: ${os.cpus().length} x ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`,
      '',
      `Load average before the run: ${loadBefore}`,
      '',
      '| benchmark (rdbench / librdkafka) | result | throughput | CPU cores used meanwhile | target |',
      '|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exit(1);
});
