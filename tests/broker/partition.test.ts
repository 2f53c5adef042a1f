// Partition roles, epochs, ISR and high watermark over a real storage Log.
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { Partition, type FetchPartitionParams, type ReplicaAssignmentState } from '../../broker/replica/partition';
import type { Log } from '../../storage/log';
import { batch, openLog, rmDir, tmpDir } from '../storage/helpers';

const SELF = 1;

function state(over: Partial<ReplicaAssignmentState> = {}): ReplicaAssignmentState {
  return { leader: SELF, leaderEpoch: 0, partitionEpoch: 0, isr: [1, 2, 3], replicas: [1, 2, 3], ...over };
}

function fetch(over: Partial<FetchPartitionParams> = {}): FetchPartitionParams {
  return { fetchOffset: 0n, maxBytes: 1 << 20, minOneBatch: true, isolation: 0, currentLeaderEpoch: -1, lastFetchedEpoch: -1, replicaId: -1, nowMs: 0, ...over };
}

function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof KafkaError ? e.code : ErrorCode.UNKNOWN_SERVER_ERROR;
  }
  return undefined;
}

describe('Broker > Partition', () => {
  let dir: string;
  let log: Log;
  let p: Partition;
  let isrRequests: (readonly number[])[];

  beforeEach(async () => {
    dir = tmpDir('gregor-partition-');
    log = await openLog(dir);
    p = new Partition('t', 0, 'AAAAAAAAAAAAAAAAAAAAAQ', log, SELF);
    isrRequests = [];
    p.requestIsrChange = (_p, isr) => isrRequests.push(isr);
  });
  afterEach(async () => {
    await log.close();
    rmDir(dir);
  });

  it('refuses a state that is not newer: an older leader epoch, or the same epochs again', () => {
    p.makeLeader(state({ leaderEpoch: 3, partitionEpoch: 5 }), 0);
    expect(codeOf(() => p.makeLeader(state({ leaderEpoch: 2, partitionEpoch: 9 }), 0))).toBe(ErrorCode.STALE_CONTROLLER_EPOCH);
    expect(codeOf(() => p.makeFollower(state({ leader: 2, leaderEpoch: 3, partitionEpoch: 5 })))).toBe(ErrorCode.STALE_CONTROLLER_EPOCH);
    expect(p.isLeader).toBe(true);
    // the same leader epoch with a newer partition epoch (an ISR change) is applied
    expect(p.makeLeader(state({ leaderEpoch: 3, partitionEpoch: 6, isr: [1, 2] }), 0)).toBe(false);
    expect(p.isr).toEqual([1, 2]);
    expect(p.makeFollower(state({ leader: 2, leaderEpoch: 4, partitionEpoch: 7 }))).toBe(true);
    expect(p.isLeader).toBe(false);
  });

  it('fences stale and future client epochs and non-leaders', async () => {
    p.makeLeader(state({ leaderEpoch: 5 }), 0);
    expect(codeOf(() => p.checkLeader(4))).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(codeOf(() => p.checkLeader(6))).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect(codeOf(() => p.checkLeader(5))).toBeUndefined();
    p.makeFollower(state({ leader: 2, leaderEpoch: 6 }));
    expect(codeOf(() => p.checkLeader(6))).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    await expect(p.appendRecordsToLeader(batch(1), 1, 1)).rejects.toMatchObject({ code: ErrorCode.NOT_LEADER_OR_FOLLOWER });
  });

  it('the HW is the minimum log end offset over the ISR; consumers read only below it, followers to the log end', async () => {
    p.makeLeader(state(), 1000);
    await p.appendRecordsToLeader(batch(3), -1, 2);
    await p.appendRecordsToLeader(batch(2), -1, 2);
    expect(p.logEndOffset).toBe(5n);
    expect(p.highWatermark).toBe(0n); // no follower has fetched yet
    const consumer = await p.fetchRecords(fetch());
    expect(consumer.records.length).toBe(0);
    const f2 = await p.fetchRecords(fetch({ replicaId: 2, fetchOffset: 3n, nowMs: 1001 }));
    expect(f2.records.length).toBeGreaterThan(0); // followers read past the HW
    expect(p.highWatermark).toBe(0n); // broker 3 has not fetched
    await p.fetchRecords(fetch({ replicaId: 3, fetchOffset: 3n, nowMs: 1002 }));
    expect(p.highWatermark).toBe(3n);
    await p.fetchRecords(fetch({ replicaId: 2, fetchOffset: 5n, nowMs: 1003 }));
    expect(p.highWatermark).toBe(3n); // min(5, 3)
    await p.fetchRecords(fetch({ replicaId: 3, fetchOffset: 5n, nowMs: 1004 }));
    expect(p.highWatermark).toBe(5n);
    expect(p.bytesBelowHighWatermark).toBe(p.appendedBytes);
    expect((await p.fetchRecords(fetch())).records.length).toBeGreaterThan(0);
  });

  it('an append wakes waiting fetches even when the HW stays (followers must copy the bytes first)', async () => {
    p.makeLeader(state(), 0);
    let changes = 0;
    p.onChange = () => changes++;
    await p.appendRecordsToLeader(batch(1), 1, 1);
    expect(p.highWatermark).toBe(0n);
    expect(changes).toBe(1);
  });

  it('acks=all is refused with NOT_ENOUGH_REPLICAS when the ISR is below min.insync.replicas', async () => {
    p.makeLeader(state({ isr: [1] }), 0);
    await expect(p.appendRecordsToLeader(batch(1), -1, 2)).rejects.toMatchObject({ code: ErrorCode.NOT_ENOUGH_REPLICAS });
    expect(p.logEndOffset).toBe(0n);
    await expect(p.appendRecordsToLeader(batch(1), 1, 2)).resolves.toMatchObject({ lastOffset: 0n });
  });

  it('a follower out of the ISR joins once caught up to the HW; the HW counts it only after the controller agreed', async () => {
    p.makeLeader(state({ isr: [1, 2] }), 0);
    await p.appendRecordsToLeader(batch(4), 1, 1);
    await p.fetchRecords(fetch({ replicaId: 2, fetchOffset: 4n, nowMs: 10 }));
    expect(p.highWatermark).toBe(4n);
    await p.fetchRecords(fetch({ replicaId: 3, fetchOffset: 2n, nowMs: 11 }));
    expect(isrRequests).toEqual([]); // behind the HW: not yet
    await p.fetchRecords(fetch({ replicaId: 3, fetchOffset: 4n, nowMs: 12 }));
    expect(isrRequests).toEqual([[1, 2, 3]]);
    expect(p.isrChangePending).toBe(true);
    expect(p.isr).toEqual([1, 2]);
    // while pending, the newcomer already holds the HW (maximal ISR)
    await p.appendRecordsToLeader(batch(1), 1, 1);
    await p.fetchRecords(fetch({ replicaId: 2, fetchOffset: 5n, nowMs: 13 }));
    expect(p.highWatermark).toBe(4n);
    p.isrChangeAccepted([1, 2, 3], 1, 0);
    expect(p.isr).toEqual([1, 2, 3]);
    expect(p.partitionEpoch).toBe(1);
    expect(p.isrChangePending).toBe(false);
  });

  it('shrinks the ISR of followers that did not catch up within replica.lag.time.max.ms', async () => {
    p.makeLeader(state(), 0);
    await p.appendRecordsToLeader(batch(2), 1, 1);
    await p.fetchRecords(fetch({ replicaId: 2, fetchOffset: 2n, nowMs: 5_000 }));
    p.maybeShrinkIsr(20_000, 30_000);
    expect(isrRequests).toEqual([]);
    p.maybeShrinkIsr(30_001, 30_000); // broker 3 was last caught up at the leadership start (0)
    expect(isrRequests).toEqual([[1, 2]]);
    // the pending shrink still waits for broker 3: the HW does not move past it
    expect(p.maximalIsr).toEqual([1, 2, 3]);
    p.isrChangeAccepted([1, 2], 1, 0);
    expect(p.highWatermark).toBe(2n);
  });

  it('an ISR answer for an older leader epoch is ignored', async () => {
    p.makeLeader(state(), 0);
    p.maybeShrinkIsr(40_000, 30_000);
    p.makeLeader(state({ leaderEpoch: 1, partitionEpoch: 1 }), 40_000);
    p.isrChangeAccepted([1], 2, 0);
    expect(p.isr).toEqual([1, 2, 3]);
    expect(p.partitionEpoch).toBe(1);
  });

  it('answers a diverging epoch (KIP-320) when the fetcher has records of an epoch this log ended earlier', async () => {
    p.makeLeader(state({ leaderEpoch: 0 }), 0);
    await p.appendRecordsToLeader(batch(3), 1, 1); // epoch 0: offsets 0-2
    p.makeLeader(state({ leaderEpoch: 2, partitionEpoch: 1 }), 0);
    await p.appendRecordsToLeader(batch(2), 1, 1); // epoch 2: offsets 3-4
    // a follower that wrote offsets 3.. in epoch 1 (an epoch this leader never had)
    const r = await p.fetchRecords(fetch({ replicaId: 2, fetchOffset: 5n, lastFetchedEpoch: 1 }));
    expect(r.divergingEpoch).toEqual({ epoch: 0, endOffset: 3n });
    expect(r.records.length).toBe(0);
    // a follower in step gets records
    const ok = await p.fetchRecords(fetch({ replicaId: 2, fetchOffset: 3n, lastFetchedEpoch: 0 }));
    expect(ok.divergingEpoch).toBeUndefined();
    expect(ok.records.length).toBeGreaterThan(0);
  });

  it('as follower: appends the leader batches, keeps HW = min(leader HW, LEO), refuses client appends', async () => {
    p.makeFollower(state({ leader: 2, leaderEpoch: 1 }));
    const b = batch(3);
    b.writeBigInt64BE(0n, 0); // the leader's offsets
    b.writeInt32BE(1, 12); // and epoch
    await p.asFollower.appendAsFollower(b);
    expect(p.logEndOffset).toBe(3n);
    p.asFollower.updateFromLeader(10n, 0n);
    expect(p.highWatermark).toBe(3n);
    expect(p.asFollower.latestEpoch()).toBe(1);
    expect(p.asFollower.leaderEpoch).toBe(1);
    await expect(p.appendRecordsToLeader(batch(1), 1, 1)).rejects.toMatchObject({ code: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    p.makeLeader(state({ leaderEpoch: 2, partitionEpoch: 1 }), 0);
    await expect(p.asFollower.appendAsFollower(b)).rejects.toMatchObject({ code: ErrorCode.NOT_LEADER_OR_FOLLOWER });
  });
});
