/**
 * Long SIGKILL soak of the storage engine: `npx tsx scripts/storage-soak.ts [rounds=200]`.
 * Each round runs the crash child (tests/storage/crash-child.ts) for a random time, kills it
 * with SIGKILL, reopens the log (recovery) and checks every acknowledged batch byte for byte.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Acked, runChildRound, verifyLog } from '../tests/storage/crash-harness';

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 200);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gregor-soak-'));
  const acked = new Map<bigint, Acked>();
  const t0 = Date.now();
  try {
    for (let round = 0; round < rounds; round++) {
      const killAfter = 20 + Math.floor(Math.random() * 1500);
      const { acks } = await runChildRound(dir, round * 104729 + 7, killAfter, round % 3 === 1);
      for (const a of acks) acked.set(a.base, a);
      const r = await verifyLog(dir, acked, round % 2 === 0);
      process.stdout.write(`round ${round + 1}/${rounds}: +${acks.length} acks, ${acked.size} acked batches, ${r.batches} in log, LEO ${r.leo}\n`);
    }
    process.stdout.write(`OK: ${rounds} SIGKILL rounds, ${acked.size} acknowledged batches intact (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`SOAK FAILED: ${String(e?.stack ?? e)}\n`);
  process.exit(1);
});
