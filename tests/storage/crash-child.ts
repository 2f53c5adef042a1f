/**
 * Child process of the SIGKILL crash test: opens a LogManager on argv[2], appends random
 * batches forever (several in flight), and prints `ack <base> <last> <sha1>` for each
 * acknowledged append. The parent kills it with SIGKILL at a random moment. About one append
 * in eight is a batch with a flipped bit (bad CRC): it must be refused, and the kill may land
 * while its bytes are being cut off the file again; it prints `rej` for each refusal.
 * argv[3] = seed, argv[4] = "flush" to also run a short flush.ms (moves the recovery point).
 */
import { createHash } from 'crypto';
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { buildRecordBatch } from '../../protocol/records/record';
import { CompressionType } from '../../protocol/records/record-batch';
import { DEFAULT_LOG_CONFIG } from '../../storage/log-config';
import { LogManager } from '../../storage/log-manager';

const dir = process.argv[2]!;
let seed = Number(process.argv[3] ?? 1) >>> 0;
const withFlush = process.argv[4] === 'flush';
function rnd(n: number): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed % n;
}

async function main(): Promise<void> {
  const config = {
    ...DEFAULT_LOG_CONFIG,
    segmentBytes: 512 * 1024,
    segmentIndexBytes: 4096,
    indexIntervalBytes: 1024,
    flushMs: withFlush ? 20 : DEFAULT_LOG_CONFIG.flushMs,
  };
  const mgr = await LogManager.open({ logDirs: [dir], defaultConfig: config, flushCheckIntervalMs: 10, checkpointIntervalMs: 15 });
  mgr.startBackgroundTasks();
  const log = await mgr.getOrCreateLog('crash', 0, config);
  process.stdout.write(`ready ${log.logEndOffset}\n`);
  const inFlight = 1 + rnd(6);
  const worker = async (): Promise<void> => {
    for (;;) {
      const n = 1 + rnd(40);
      const size = rnd(4) === 0 ? 1000 + rnd(4000) : rnd(200);
      const records = Array.from({ length: n }, (_, i) => ({ key: `k${rnd(100)}`, value: Buffer.alloc(size, (i + seed) & 0xff), timestamp: Date.now() }));
      const compression = rnd(5) === 0 ? CompressionType.Gzip : CompressionType.None;
      const buf = buildRecordBatch({ records, compression });
      if (rnd(8) === 0) {
        const bad = Buffer.from(buf);
        bad[61 + rnd(bad.length - 61)]! ^= 0x10; // inside the CRC-covered records
        const err = await log.appendAsLeader(bad, { leaderEpoch: 3 }).then(
          () => new Error('a batch with a bad CRC was acknowledged'),
          (e: KafkaError) => (e.code === ErrorCode.CORRUPT_MESSAGE ? null : e),
        );
        if (err) throw err;
        process.stdout.write('rej\n');
      }
      const info = await log.appendAsLeader(buf, { leaderEpoch: 3 });
      const hash = createHash('sha1').update(buf).digest('hex');
      process.stdout.write(`ack ${info.firstOffset} ${info.lastOffset} ${hash}\n`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
