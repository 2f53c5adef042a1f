/**
 * Shared by the SIGKILL crash test and scripts/storage-soak.ts: run the crash child, kill it
 * with SIGKILL at a random moment, reopen the log and check every acknowledged batch.
 */
import { spawn } from 'child_process';
import { createHash } from 'crypto';
import * as path from 'path';
import { RecordBatchView } from '../../protocol/records/record-batch';
import { DEFAULT_LOG_CONFIG } from '../../storage/log-config';
import { LogManager } from '../../storage/log-manager';

export interface Acked {
  base: bigint;
  last: bigint;
  hash: string;
}

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Runs one child round: resolves with the acks it printed before being SIGKILLed after
 * `killAfterMs` of appending, and how many bad-CRC appends it saw refused.
 */
export function runChildRound(dir: string, seed: number, killAfterMs: number, flush: boolean): Promise<{ acks: Acked[]; rejected: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'tsx/cjs', path.join(__dirname, 'crash-child.ts'), dir, String(seed), flush ? 'flush' : ''], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks: Acked[] = [];
    let rejected = 0;
    let buf = '';
    let stderr = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const f = line.split(' ');
        if (f[0] === 'ready' && !timer) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        if (f[0] === 'ack') acks.push({ base: BigInt(f[1]!), last: BigInt(f[2]!), hash: f[3]! });
        if (f[0] === 'rej') rejected++;
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`crash child exited with ${code}/${signal}: ${stderr}`));
      else resolve({ acks, rejected, stderr });
    });
  });
}

/**
 * Reopens the log (recovery), checks that every acked batch reads back byte-identical, that
 * every batch in the log is valid (CRC) with contiguous offsets. Closes cleanly (clean-shutdown
 * marker) when `clean`, else just closes the files (next open recovers).
 */
export async function verifyLog(dir: string, acked: Map<bigint, Acked>, clean: boolean): Promise<{ batches: number; leo: bigint }> {
  const mgr = await LogManager.open({ logDirs: [dir], defaultConfig: { ...DEFAULT_LOG_CONFIG, segmentBytes: 512 * 1024, segmentIndexBytes: 4096, indexIntervalBytes: 1024 } });
  const log = mgr.getLog('crash', 0);
  if (!log) throw new Error('log missing after restart');
  const found = new Map<bigint, string>();
  let off = log.logStartOffset;
  let batches = 0;
  while (off < log.logEndOffset) {
    const r = await log.read(off, 1 << 20, { minOneBatch: true });
    if (r.records.length === 0) throw new Error(`empty read at ${off} below LEO ${log.logEndOffset}`);
    let at = 0;
    while (at < r.records.length) {
      const size = r.records.readInt32BE(at + 8) + 12;
      const view = new RecordBatchView(r.records.subarray(at, at + size));
      if (!view.isValidCrc()) throw new Error(`invalid batch returned at offset ${view.baseOffset}`);
      if (view.baseOffset !== off) throw new Error(`offset gap: expected ${off}, got ${view.baseOffset}`);
      found.set(view.baseOffset, createHash('sha1').update(view.buf).digest('hex'));
      off = view.lastOffset + 1n;
      at += size;
      batches++;
    }
  }
  for (const a of acked.values()) {
    const h = found.get(a.base);
    if (h === undefined) throw new Error(`acknowledged batch ${a.base}-${a.last} lost (LEO ${log.logEndOffset})`);
    if (h !== a.hash) throw new Error(`acknowledged batch ${a.base}-${a.last} changed`);
  }
  const leo = log.logEndOffset;
  if (clean) await mgr.shutdown();
  else for (const l of mgr.allLogs()) await l.close();
  return { batches, leo };
}
