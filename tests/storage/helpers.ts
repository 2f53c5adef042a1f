/** Test helpers for storage tests: temp dirs, valid v2 batches, a manual clock. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildRecordBatch, RecordInput } from '../../protocol/records/record';
import { CompressionType } from '../../protocol/records/record-batch';
import { Clock } from '../../storage/clock';
import { DEFAULT_LOG_CONFIG, LogConfig } from '../../storage/log-config';
import { loadLog } from '../../storage/log-loader';
import { Log } from '../../storage/log';
import { NOOP_LOGGER } from '../../storage/types';

export function tmpDir(prefix = 'gregor-storage-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A batch of `n` records with values `${tag}-${i}` (or given records). */
export function batch(n: number, opts: { tag?: string; ts?: number; key?: (i: number) => string | null; compression?: CompressionType; valueSize?: number } = {}): Buffer {
  const records: RecordInput[] = [];
  for (let i = 0; i < n; i++) {
    records.push({
      key: opts.key ? opts.key(i) : null,
      value: opts.valueSize ? Buffer.alloc(opts.valueSize, i % 251) : `${opts.tag ?? 'v'}-${i}`,
      timestamp: opts.ts ?? 1_700_000_000_000,
    });
  }
  return buildRecordBatch({ records, compression: opts.compression });
}

export function kvBatch(pairs: [string, string | null][], ts = 1_700_000_000_000): Buffer {
  return buildRecordBatch({ records: pairs.map(([k, v]) => ({ key: k, value: v, timestamp: ts })) });
}

export class ManualClock implements Clock {
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  constructor(public t = 1_700_000_000_000) {}
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(t: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== t);
  }
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => x.at <= this.t);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const d of due) d.fn();
  }
}

export function config(over: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, fileDeleteDelayMs: 0, ...over };
}

export function openLog(dir: string, cfg: LogConfig = config(), opts: { clock?: Clock; clean?: boolean; recoveryPoint?: bigint; logStartOffset?: bigint } = {}): Promise<Log> {
  return loadLog({
    dir,
    topicPartition: { topic: 't', partition: 0 },
    config: cfg,
    clock: opts.clock ?? new ManualClock(),
    logger: NOOP_LOGGER,
    cleanShutdown: opts.clean ?? false,
    recoveryPoint: opts.recoveryPoint,
    logStartOffset: opts.logStartOffset,
  });
}

/** Splits concatenated batches into [baseOffset, lastOffset, bytes] triples. */
export function splitBatches(buf: Buffer): { base: bigint; last: bigint; bytes: Buffer }[] {
  const out: { base: bigint; last: bigint; bytes: Buffer }[] = [];
  let at = 0;
  while (at + 61 <= buf.length) {
    const size = buf.readInt32BE(at + 8) + 12;
    const base = buf.readBigInt64BE(at);
    out.push({ base, last: base + BigInt(buf.readInt32BE(at + 23)), bytes: buf.subarray(at, at + size) });
    at += size;
  }
  if (at !== buf.length) throw new Error(`partial batch at ${at} of ${buf.length}`);
  return out;
}

/** Reads the whole log from `from` as batches. */
export async function readAll(log: Log, from = log.logStartOffset): Promise<{ base: bigint; last: bigint; bytes: Buffer }[]> {
  const out: { base: bigint; last: bigint; bytes: Buffer }[] = [];
  let off = from;
  while (off < log.logEndOffset) {
    const r = await log.read(off, 1 << 20, { minOneBatch: true });
    const bs = splitBatches(r.records);
    if (bs.length === 0) break;
    out.push(...bs);
    off = bs[bs.length - 1]!.last + 1n;
  }
  return out;
}
