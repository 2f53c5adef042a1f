/**
 * Micro-benchmark of Log.appendAsLeader for small batches without a producer id (the
 * single-node produce path): µs per append, after a warm-up. `npx tsx bench/append-micro.ts`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildRecordBatch } from '../protocol/records/record-builder';
import { DEFAULT_LOG_CONFIG } from '../storage/log-config';
import { loadLog } from '../storage/log-loader';
import { systemClock } from '../storage/clock';
import { NOOP_LOGGER } from '../storage/types';

async function run(n: number, inflight: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gregor-append-micro-'));
  const log = await loadLog({ dir, topicPartition: { topic: 't', partition: 0 }, config: DEFAULT_LOG_CONFIG, clock: systemClock, logger: NOOP_LOGGER, cleanShutdown: false });
  const template = buildRecordBatch({ records: [{ value: Buffer.alloc(100, 7), timestamp: Date.now() }] });
  const bufs = Array.from({ length: inflight }, () => Buffer.from(template));
  const t0 = process.hrtime.bigint();
  let done = 0;
  while (done < n) {
    const round: Promise<unknown>[] = [];
    for (let i = 0; i < inflight; i++) {
      bufs[i]!.writeBigInt64BE(0n, 0); // offsets are assigned in place
      round.push(log.appendAsLeader(bufs[i]!, { leaderEpoch: 0 }));
    }
    await Promise.all(round);
    done += inflight;
  }
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  await log.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return us;
}

async function main(): Promise<void> {
  await run(20_000, 16);
  const results: number[] = [];
  for (let i = 0; i < 5; i++) results.push(await run(100_000, 16));
  results.sort((a, b) => a - b);
  console.log(`appendAsLeader, 100 B batches, 16 in flight: median ${results[2]!.toFixed(3)} µs/append (runs: ${results.map((r) => r.toFixed(3)).join(', ')})`);
}

void main();
