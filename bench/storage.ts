/**
 * Storage benchmark (`npm run bench:storage`, or `npx tsx bench/storage.ts`). Side by side in
 * one run, printed as a markdown table (1 MB = 10^6 bytes, 1 GB = 10^9 bytes):
 * - append of 1 MiB and 16 KiB batches vs plain fs.write of the same buffers, one at a time
 *   and with several appends in flight (targets: >= 90% of plain; >= 500 MB/s), on tmpfs
 *   (/dev/shm: the engine's own cost) and on the disk file system (page cache, noisy);
 *   GREGOR_BENCH_ROUNDS interleaved rounds (default 5), GREGOR_BENCH_THROUGHPUT_MIB per run
 *   (default 256), GREGOR_BENCH_SKIP_THROUGHPUT / GREGOR_BENCH_SKIP_STARTUP skip a part;
 * - sequential 1 MiB reads by offset from the page cache (target >= 1 GB/s);
 * - startup of 1,000 partitions after a clean shutdown and after a real kill -9 (child
 *   processes; data size per partition from GREGOR_BENCH_MB_PER_PARTITION, default 2);
 * - RSS of a process holding 1,000 open partitions.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildRecordBatch } from '../protocol/records/record';
import { DEFAULT_LOG_CONFIG, LogConfig } from '../storage/log-config';
import { LogManager } from '../storage/log-manager';

const MIB = 1024 * 1024;
const PARTITIONS = Number(process.env.GREGOR_BENCH_PARTITIONS ?? 1000);
const MB_PER_PARTITION = Number(process.env.GREGOR_BENCH_MB_PER_PARTITION ?? 2);
/** Rounds of each plain-write/append comparison. */
const ROUNDS = Number(process.env.GREGOR_BENCH_ROUNDS ?? 5);
/** Kafka's defaults (1 GiB segments): each partition's data sits in its active segment. */
const STARTUP_CONFIG: LogConfig = { ...DEFAULT_LOG_CONFIG, maxMessageBytes: 2 * MIB };

/** One valid batch of exactly `size` bytes (a single record). */
function batchOfSize(size: number): Buffer {
  let value = size - 61 - 20;
  for (;;) {
    const b = buildRecordBatch({ records: [{ value: Buffer.alloc(value, 7), timestamp: Date.now() }] });
    if (b.length === size) return b;
    value += size - b.length;
  }
}

function mbps(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

async function appendRun(dir: string, bufs: Buffer[], inFlight: number): Promise<number> {
  fs.rmSync(dir, { recursive: true, force: true });
  const cfg = { ...DEFAULT_LOG_CONFIG, maxMessageBytes: 2 * MIB };
  const m = await LogManager.open({ logDirs: [dir], defaultConfig: cfg });
  const log = await m.getOrCreateLog('bench', 0, cfg);
  const t0 = performance.now();
  let i = 0;
  const worker = async (): Promise<void> => {
    while (i < bufs.length) await log.appendAsLeader(bufs[i++]!, { leaderEpoch: 0 });
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const ms = performance.now() - t0;
  await m.shutdown();
  return ms;
}

interface Row {
  what: string;
  result: string;
  target: string;
}

/** Something that writes a slice of the buffers, in order, after what it wrote before. */
interface Writer {
  write(bufs: Buffer[]): Promise<void>;
  close(): Promise<void>;
}

function plainWriter(file: string): Writer {
  const fd = fs.openSync(file, 'w');
  let pos = 0;
  return {
    async write(bufs) {
      for (const b of bufs) {
        await new Promise<void>((res, rej) => fs.write(fd, b, 0, b.length, pos, (e) => (e ? rej(e) : res())));
        pos += b.length;
      }
    },
    async close() {
      fs.closeSync(fd);
      fs.rmSync(file);
    },
  };
}

async function appendWriter(dir: string, inFlight: number): Promise<Writer> {
  fs.rmSync(dir, { recursive: true, force: true });
  const cfg = { ...DEFAULT_LOG_CONFIG, maxMessageBytes: 2 * MIB };
  const m = await LogManager.open({ logDirs: [dir], defaultConfig: cfg });
  const log = await m.getOrCreateLog('bench', 0, cfg);
  return {
    async write(bufs) {
      let i = 0;
      const worker = async (): Promise<void> => {
        while (i < bufs.length) await log.appendAsLeader(bufs[i++]!, { leaderEpoch: 0 });
      };
      await Promise.all(Array.from({ length: inFlight }, worker));
    },
    async close() {
      await m.shutdown();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Bytes each contender writes before the next one takes its turn. */
const SLICE_BYTES = 8 * MIB;

/**
 * Plain writes and appends (one at a time, and `inFlight` at once) of the same buffers,
 * side by side: in each round every contender writes the buffers to its own fresh file, in
 * slices of 8 MiB taken in turns (rotating who goes first), so all of them see the same
 * load from the other jobs of this shared machine. Reports the best round of each and the
 * range over rounds of its ratio to the plain write of the same round.
 */
async function writeComparison(where: string, base: string, bufs: Buffer[], size: string, inFlight: number, rounds: number, rows: Row[]): Promise<void> {
  const total = bufs.reduce((a, b) => a + b.length, 0);
  const per = Math.max(1, Math.floor(SLICE_BYTES / bufs[0]!.length));
  const times: number[][] = [[], [], []]; // plain, one at a time, in flight; per round
  for (let r = 0; r < rounds; r++) {
    const writers = [plainWriter(path.join(base, 'plain.bin')), await appendWriter(path.join(base, 'append1'), 1), await appendWriter(path.join(base, 'appendN'), inFlight)];
    const ms = [0, 0, 0];
    for (let at = 0, turn = 0; at < bufs.length; at += per, turn++) {
      const slice = bufs.slice(at, at + per);
      for (let k = 0; k < 3; k++) {
        const w = (k + turn) % 3;
        const t0 = performance.now();
        await writers[w]!.write(slice);
        ms[w]! += performance.now() - t0;
      }
    }
    for (const w of writers) await w.close();
    ms.forEach((m, w) => times[w]!.push(m));
  }
  const best = (ms: number[]): number => mbps(total, Math.min(...ms));
  const p = best(times[0]!);
  const ratios = (ms: number[]): string => {
    const rs = ms.map((m, r) => (100 * times[0]![r]!) / m);
    return `${Math.min(...rs).toFixed(0)}-${Math.max(...rs).toFixed(0)}%`;
  };
  const pct = (ms: number[]): string => `${best(ms).toFixed(0)} MB/s (${ratios(ms)} of plain, by round)`;
  const target = size === '1 MiB' ? '>= 90% of plain' : '>= 500 MB/s';
  rows.push({ what: `${where}: plain fs.write of ${size} buffers, one at a time (best of ${rounds} rounds)`, result: `${p.toFixed(0)} MB/s`, target: 'baseline' });
  rows.push({ what: `${where}: appendAsLeader, ${size} batches, one at a time`, result: pct(times[1]!), target });
  rows.push({ what: `${where}: appendAsLeader, ${size} batches, ${inFlight} in flight`, result: pct(times[2]!), target });
}

async function throughput(root: string, rows: Row[]): Promise<void> {
  const total = Number(process.env.GREGOR_BENCH_THROUGHPUT_MIB ?? 256) * MIB;
  const big = Array.from({ length: total / MIB }, () => batchOfSize(MIB));
  const small = Array.from({ length: total / (16 * 1024) }, () => batchOfSize(16 * 1024));
  const places: [string, string][] = [['disk fs', root]];
  if (fs.existsSync('/dev/shm')) places.unshift(['tmpfs', fs.mkdtempSync(path.join('/dev/shm', 'gregor-bench-'))]);
  try {
    for (const [where, base] of places) {
      await writeComparison(where, base, big, '1 MiB', 4, ROUNDS, rows);
      await writeComparison(where, base, small, '16 KiB', 16, ROUNDS, rows);
    }
  } finally {
    if (places.length > 1) fs.rmSync(places[0]![1], { recursive: true, force: true });
  }

  // Reads: sequential 1 MiB reads by offset over a 1 MiB-batch log (page cache).
  await appendRun(path.join(root, 'append1m'), big, 1);
  const cfg = { ...DEFAULT_LOG_CONFIG, maxMessageBytes: 2 * MIB };
  const m = await LogManager.open({ logDirs: [path.join(root, 'append1m')], defaultConfig: cfg });
  const log = m.getLog('bench', 0)!;
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    let off = 0n;
    let bytes = 0;
    const t0 = performance.now();
    while (off < log.logEndOffset) {
      const d = await log.read(off, MIB, { minOneBatch: true });
      bytes += d.records.length;
      off = d.records.readBigInt64BE(d.records.length - MIB) + 1n; // one record per batch
    }
    best = Math.min(best, performance.now() - t0);
    if (bytes !== total) throw new Error(`read ${bytes} bytes, expected ${total}`);
  }
  rows.push({ what: 'Log.read, sequential 1 MiB reads by offset (page cache)', result: `${mbps(total, best).toFixed(0)} MB/s`, target: '>= 1000 MB/s' });
  await m.shutdown();
  fs.rmSync(path.join(root, 'append1m'), { recursive: true, force: true });
}

/** Runs this file in a child process with the given mode; resolves with its JSON line (or kills it on "done"). */
function child(mode: string, dir: string, killOnDone = false): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, __filename, mode, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let result: Record<string, number> = {};
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const l of lines) {
        if (l === 'done' && killOnDone) p.kill('SIGKILL');
        else if (l.startsWith('{')) result = JSON.parse(l) as Record<string, number>;
      }
    });
    p.on('error', reject);
    p.on('exit', (code, sig) => (code === 0 || (killOnDone && sig === 'SIGKILL') ? resolve(result) : reject(new Error(`child ${mode} failed: ${code}/${sig}`))));
  });
}

async function childMain(mode: string, dir: string): Promise<void> {
  if (mode === '--child-open') {
    const t0 = performance.now();
    const m = await LogManager.open({ logDirs: [dir], defaultConfig: STARTUP_CONFIG });
    const ms = performance.now() - t0;
    const g = globalThis as { gc?: () => void };
    g.gc?.();
    const rss = process.memoryUsage().rss;
    const st = m.startupStats;
    process.stdout.write(JSON.stringify({ ms, rss, logs: m.allLogs().length, recovered: st.recoveredSegments, scanned: st.scannedBytes, clean: st.cleanDirs }) + '\n');
    await m.shutdown();
    return;
  }
  if (mode === '--child-append-then-hang') {
    const m = await LogManager.open({ logDirs: [dir], defaultConfig: STARTUP_CONFIG });
    const tail = batchOfSize(64 * 1024);
    for (const log of m.allLogs()) for (let i = 0; i < 4; i++) await log.appendAsLeader(Buffer.from(tail), { leaderEpoch: 1 });
    process.stdout.write('done\n');
    await new Promise(() => undefined); // killed with SIGKILL by the parent
  }
}

async function startup(root: string, rows: Row[]): Promise<void> {
  const dir = path.join(root, 'startup');
  const m = await LogManager.open({ logDirs: [dir], defaultConfig: STARTUP_CONFIG });
  const batch = batchOfSize(64 * 1024);
  const perPartition = Math.max(1, Math.round((MB_PER_PARTITION * MIB) / batch.length));
  const t0 = performance.now();
  for (let p = 0; p < PARTITIONS; p++) {
    const log = await m.getOrCreateLog('bench', p, STARTUP_CONFIG);
    for (let i = 0; i < perPartition; i++) await log.appendAsLeader(Buffer.from(batch), { leaderEpoch: 0 });
  }
  const writeMs = performance.now() - t0;
  await m.shutdown();
  const totalGiB = (PARTITIONS * perPartition * batch.length) / (1024 * MIB);
  const clean = await child('--child-open', dir);
  rows.push({
    what: `startup after clean shutdown: ${PARTITIONS} partitions, ${totalGiB.toFixed(2)} GiB, default 1 GiB segments (fresh process)`,
    result: `${clean.ms!.toFixed(0)} ms (${clean.recovered} segments scanned)`,
    target: '< 2000 ms (for 10 GiB)',
  });
  rows.push({ what: `RSS of a process with ${PARTITIONS} open partitions (after clean startup)`, result: `${(clean.rss! / 1e6).toFixed(0)} MB`, target: '< 150 MB' });
  await child('--child-append-then-hang', dir, true);
  const dirty = await child('--child-open', dir);
  rows.push({
    what: `startup after kill -9 (real SIGKILL of a process that appended 256 KiB per partition after the last recovery point)`,
    result: `${dirty.ms!.toFixed(0)} ms (${dirty.recovered} segments, ${(dirty.scanned! / MIB).toFixed(0)} MiB checked)`,
    target: '< 10000 ms (for 10 GiB)',
  });
  await child('--child-append-then-hang', dir, true);
  fs.rmSync(path.join(dir, 'recovery-point-offset-checkpoint'));
  const worst = await child('--child-open', dir);
  rows.push({
    what: `startup after kill -9 with the recovery-point checkpoint removed (worst case: all data checked)`,
    result: `${worst.ms!.toFixed(0)} ms (${(worst.scanned! / MIB).toFixed(0)} MiB checked)`,
    target: '',
  });
  rows.push({ what: `(setup: writing ${totalGiB.toFixed(2)} GiB into ${PARTITIONS} partitions, 64 KiB batches)`, result: `${mbps(totalGiB * 1024 * MIB, writeMs).toFixed(0)} MB/s`, target: '' });
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode?.startsWith('--child')) return childMain(mode, process.argv[3]!);
  const root = fs.mkdtempSync(path.join(process.env.GREGOR_BENCH_DIR ?? os.tmpdir(), 'gregor-bench-storage-'));
  const rows: Row[] = [];
  try {
    if (!process.env.GREGOR_BENCH_SKIP_THROUGHPUT) await throughput(root, rows);
    if (!process.env.GREGOR_BENCH_SKIP_STARTUP) await startup(root, rows);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  process.stdout.write(`\n## Storage benchmark (${os.cpus().length} cores, Node ${process.version}, CRC-32C: @node-rs/crc32)\n\n| measurement | result | target |\n|---|---|---|\n`);
  for (const r of rows) process.stdout.write(`| ${r.what} | ${r.result} | ${r.target} |\n`);
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
