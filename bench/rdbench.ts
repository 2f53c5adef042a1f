/**
 * The benchmarks' side of librdkafka's load generator (../shared/tools/rdbench.c): building it,
 * running it, and measuring the CPU the broker process(es) and rdbench use meanwhile.
 */
import { execFileSync, spawn } from 'child_process';
import fs from 'fs';
import path from 'path';
import { REPO_ROOT as ROOT } from './broker-process';

const SOURCE = path.resolve(ROOT, '..', 'shared', 'tools', 'rdbench.c');
const BINARY = path.join(ROOT, 'bench', 'rdbench');
export function buildRdbench(): void {
  if (!fs.existsSync(SOURCE)) throw new Error(`rdbench source not found at ${SOURCE}`);
  if (fs.existsSync(BINARY) && fs.statSync(BINARY).mtimeMs >= fs.statSync(SOURCE).mtimeMs) return;
  try {
    execFileSync('cc', ['-O2', '-o', BINARY, SOURCE, '-lrdkafka'], { stdio: 'inherit' });
  } catch {
    throw new Error('building rdbench failed: install a C compiler and librdkafka (`apt-get install build-essential librdkafka-dev`)');
  }
}

export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Fields of /proc/PID/stat after the command name (index 0 = state), or null off Linux. */
export function procStat(pid: number | 'self'): string[] | null {
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
export function cpuSnapshot(brokerPids: number | readonly number[]): { broker: number; clients: number } {
  const pids = typeof brokerPids === 'number' ? [brokerPids] : brokerPids;
  const stats = pids.map((p) => procStat(p));
  const me = procStat('self');
  return {
    broker: stats.every((b) => b) ? stats.reduce((sum, b) => sum + (Number(b![11]) + Number(b![12])) / 100, 0) : NaN,
    clients: me ? (Number(me[13]) + Number(me[14])) / 100 : NaN,
  };
}

/** One rdbench run: its output line, wall seconds, and the CPU seconds the broker and rdbench used. */
export interface Measured {
  out: string;
  secs: number;
  brokerCpu: number;
  clientCpu: number;
}

/**
 * Writes dirty pages out before a run (`sync`), so that no run shares the two cores with the
 * kernel's write-back of the data an earlier run produced (which otherwise starts seconds later,
 * in the middle of the next run, and uses up to ~0.8 cores).
 */
export function settleWriteBack(): void {
  try {
    execFileSync('sync');
  } catch {
    // no sync(1): runs may then overlap with write-back
  }
}

export async function measured(brokerPid: number | readonly number[], args: string[]): Promise<Measured> {
  settleWriteBack();
  const c0 = cpuSnapshot(brokerPid);
  const t0 = process.hrtime.bigint();
  const out = await rdbench(args);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c1 = cpuSnapshot(brokerPid);
  return { out, secs, brokerCpu: c1.broker - c0.broker, clientCpu: c1.clients - c0.clients };
}

export function rdbench(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`rdbench ${args.join(' ')} exited ${code}: ${err.slice(-2000)}${out}`))));
  });
}

export function field(line: string, name: string): number {
  const m = new RegExp(`${name}=([0-9.]+)`).exec(line);
  return m ? Number(m[1]) : NaN;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** "median (min-max over N runs)" of one rdbench field. */
export function spread(runs: Measured[], name: string, digits = 0, line = (m: Measured): string => m.out): string {
  const xs = runs.map((r) => field(line(r), name));
  return `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}-${fmt(Math.max(...xs), digits)})`;
}

