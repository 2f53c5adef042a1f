/**
 * Storage > crash recovery: a child process appends and reports acknowledged offsets; it is
 * SIGKILLed at random moments; after each restart every acknowledged batch must read back
 * byte-identical and no invalid batch may be returned. The child also sends batches with a bad
 * CRC, whose bytes may be in the file (being cut off again) when the kill lands.
 */
import { Acked, runChildRound, verifyLog } from './crash-harness';
import { rmDir, tmpDir } from './helpers';

jest.setTimeout(60_000);

describe('Storage > crash recovery > SIGKILL', () => {
  test('acknowledged batches survive 20 SIGKILLs', async () => {
    const dir = tmpDir('gregor-crash-');
    const acked = new Map<bigint, Acked>();
    let totalAcks = 0;
    let totalRejected = 0;
    try {
      for (let round = 0; round < 20; round++) {
        const killAfter = 40 + Math.floor(Math.random() * 300);
        const { acks, rejected } = await runChildRound(dir, round * 7919 + 1, killAfter, round % 3 === 1);
        totalRejected += rejected;
        for (const a of acks) acked.set(a.base, a);
        totalAcks += acks.length;
        const r = await verifyLog(dir, acked, round % 2 === 0);
        expect(r.batches).toBeGreaterThanOrEqual(acked.size);
      }
      expect(totalAcks).toBeGreaterThan(100);
      expect(totalRejected).toBeGreaterThan(5); // bad-CRC appends were refused along the way
    } finally {
      rmDir(dir);
    }
  });
});
