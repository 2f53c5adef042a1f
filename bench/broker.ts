/**
 * Broker benchmark: builds ../shared/tools/rdbench.c (librdkafka load generator) into
 * bench/rdbench, starts one Gregor broker as a child process on a temp data dir, runs
 *   produce 2,000,000 x 100 B (acks=1), produce 200,000 x 1 KiB, consume the 2,000,000,
 *   produce-to-ack latency at 2,000 msg/s,
 * samples the broker's resident memory (/proc/PID/status VmRSS) throughout, records the CPU
 * the broker and rdbench each used during every run (to tell which side limits a result on a
 * small machine), and prints a markdown table. Run: `npm run build && node dist/bench/broker.js` or `npx tsx bench/broker.ts`.
 * Environment: BENCH_SCALE (default 1) scales every message count, e.g. 0.1 for a quick run;
 * BENCH_RUNS (default 3) is how often each load runs (the table shows median and range).
 */
import fs from 'fs';
import os from 'os';
import { startBrokerProcess } from './broker-process';
import { buildRdbench, fmt, measured, median, rdbench, rssMb, spread, type Measured } from './rdbench';

const SCALE = Number(process.env['BENCH_SCALE'] ?? '1');
/** Runs of every load (BENCH_RUNS, default 3); the table shows the median and the range. */
const RUNS = Math.max(1, Math.round(Number(process.env['BENCH_RUNS'] ?? '3')));

/**
 * Median cores each side used during the runs; with `msgs`, also the CPU each side spent per
 * message in µs (what bounds a client-limited result: rdbench µs/msg x target rate = cores).
 */
function cpuColumn(runs: Measured[], msgs?: number): string {
  const broker = median(runs.map((r) => r.brokerCpu / r.secs));
  const client = median(runs.map((r) => r.clientCpu / r.secs));
  const cores = `broker ${broker.toFixed(2)}, rdbench ${client.toFixed(2)}`;
  if (msgs === undefined) return cores;
  const perMsg = (cpu: (r: Measured) => number): string => median(runs.map((r) => (cpu(r) / msgs) * 1e6)).toFixed(2);
  return `${cores}; per msg: broker ${perMsg((r) => r.brokerCpu)} µs, rdbench ${perMsg((r) => r.clientCpu)} µs`;
}

async function main(): Promise<void> {
  buildRdbench();
  const loadBefore = os.loadavg().map((l) => l.toFixed(2)).join(', ');
  const broker = await startBrokerProcess('gregor-bench-');
  const pid = broker.child.pid!;
  let peakRss = rssMb(pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 100);
  const n100 = Math.round(2_000_000 * SCALE);
  const n1k = Math.round(200_000 * SCALE);
  const nLat = Math.round(20_000 * SCALE);
  const rows: string[] = [];
  try {
    const b = ['-b', broker.bootstrap];
    const topics = (prefix: string): string[] => Array.from({ length: RUNS }, (_, i) => `${prefix}-${i}`);
    // Create the topics first (auto-creation on a first produce), so no measurement includes
    // topic creation and the client's metadata refresh.
    for (const t of [...topics('bench-100'), ...topics('bench-1k'), 'bench-lat']) await rdbench(['produce', ...b, '-t', t, '-n', '1', '-s', '10', '-a', '1']);
    const p100: Measured[] = [];
    for (const t of topics('bench-100')) p100.push(await measured(pid, ['produce', ...b, '-t', t, '-n', String(n100), '-s', '100', '-a', '1']));
    const rssAfterProduce = rssMb(pid);
    const p1k: Measured[] = [];
    for (const t of topics('bench-1k')) p1k.push(await measured(pid, ['produce', ...b, '-t', t, '-n', String(n1k), '-s', '1024', '-a', '1']));
    const c100: Measured[] = [];
    for (const t of topics('bench-100')) c100.push(await measured(pid, ['consume', ...b, '-t', t, '-n', String(n100 + 1)]));
    // One second of warm-up at the same rate (JIT, connection set-up), then the measured runs.
    await rdbench(['latency', ...b, '-t', 'bench-lat', '-n', '2000', '-s', '100', '-r', '2000', '-a', '1']);
    const lat: Measured[] = [];
    for (let i = 0; i < RUNS; i++) lat.push(await measured(pid, ['latency', ...b, '-t', 'bench-lat', '-n', String(nLat), '-s', '100', '-r', '2000', '-a', '1']));
    const latLine = (m: Measured): string => m.out.split('\n').find((l) => l.startsWith('latency_ms')) ?? '';
    rows.push(`| produce ${fmt(n100)} x 100 B, acks=1 | ${spread(p100, 'msgs_per_s')} msgs/s | ${spread(p100, 'mb_per_s', 1)} MB/s | ${cpuColumn(p100, n100)} | >= 2,000,000 msgs/s |`);
    rows.push(`| produce ${fmt(n1k)} x 1 KiB, acks=1 | ${spread(p1k, 'msgs_per_s')} msgs/s | ${spread(p1k, 'mb_per_s', 1)} MB/s | ${cpuColumn(p1k, n1k)} | >= 300 MB/s |`);
    rows.push(`| consume ${fmt(n100)} x 100 B | ${spread(c100, 'msgs_per_s')} msgs/s | ${spread(c100, 'mb_per_s', 1)} MB/s | ${cpuColumn(c100, n100)} | >= 2,000,000 msgs/s |`);
    rows.push(
      `| produce-to-ack latency at 2,000 msg/s (${fmt(nLat)} msgs a run) | p50 ${spread(lat, 'p50', 2, latLine)} ms, p99 ${spread(lat, 'p99', 2, latLine)} ms, ` +
        `p999 ${spread(lat, 'p999', 2, latLine)} ms, max ${spread(lat, 'max', 2, latLine)} ms | | ${cpuColumn(lat)} (rdbench busy-waits between sends) | p99 <= 3 ms |`,
    );
    rows.push(`| broker resident memory | peak ${peakRss.toFixed(0)} MB (after the 100 B produce runs: ${rssAfterProduce.toFixed(0)} MB) | | | < 300 MB |`);
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
      `Load average before the run: ${loadBefore}. Each load ran ${RUNS} times: median (min-max).`,
      '',
      '| benchmark (rdbench / librdkafka) | result | throughput | CPU cores used meanwhile (medians) | target |',
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
