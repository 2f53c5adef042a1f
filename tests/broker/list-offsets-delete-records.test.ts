// ListOffsets lookups (Kafka's Partition.fetchOffsetForTimestamp / legacyFetchOffsetsForTimestamp)
// and DeleteRecords checks (Partition.deleteRecordsOnLeader, ReplicaManager.getPartitionOrException)
// over a real storage Log.
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { buildRecordBatch } from '../../protocol/records/record';
import { Partition, type ReplicaAssignmentState } from '../../broker/replica/partition';
import { legacyOffsetsForTimestamp, offsetForTimestamp, type OffsetLookup } from '../../broker/replica/list-offsets';
import { ReplicaManager } from '../../broker/replica/replica-manager';
import { listOffsetsHandler } from '../../broker/handlers/02-list-offsets';
import type { HandlerContext } from '../../broker/handlers/define-handler';
import { defaultListOffsetsPartition, defaultListOffsetsRequest } from '../../protocol/generated/list-offsets-request';
import type { ListOffsetsResponse } from '../../protocol/generated/list-offsets-response';
import { createLogger } from '../../broker/logger';
import type { Log } from '../../storage/log';
import { LogManager } from '../../storage/log-manager';
import { ManualClock, config, openLog, rmDir, tmpDir } from '../storage/helpers';

const SELF = 1;

function state(over: Partial<ReplicaAssignmentState> = {}): ReplicaAssignmentState {
  return { leader: SELF, leaderEpoch: 5, partitionEpoch: 0, isr: [1, 2, 3], replicas: [1, 2, 3], ...over };
}

async function codeOf(p: Promise<unknown>): Promise<ErrorCode | undefined> {
  try {
    await p;
  } catch (e) {
    return e instanceof KafkaError ? e.code : ErrorCode.UNKNOWN_SERVER_ERROR;
  }
  return undefined;
}

const consumer = (timestamp: bigint, over: Partial<OffsetLookup> = {}): OffsetLookup => ({ timestamp, isolation: 0, currentLeaderEpoch: -1, fetchOnlyFromLeader: true, ...over });
const follower = (timestamp: bigint): OffsetLookup => consumer(timestamp, { isolation: null });

describe('Broker > ListOffsets lookups and DeleteRecords checks', () => {
  let dir: string;
  let log: Log;
  let p: Partition;

  /** Three one-record batches with timestamps 100, 300, 200 at offsets 0, 1, 2; followers at 2: HW 2, LEO 3. */
  async function leaderWithHwBelowEnd(): Promise<void> {
    p.makeLeader(state(), 0);
    for (const ts of [100, 300, 200]) await p.appendRecordsToLeader(buildRecordBatch({ records: [{ value: 'x', timestamp: ts }] }), 1, 1);
    p.updateFollowerFetchState(2, 2n, 3n, 0);
    p.updateFollowerFetchState(3, 2n, 3n, 0);
    expect([p.highWatermark, p.logEndOffset]).toEqual([2n, 3n]);
  }

  beforeEach(async () => {
    dir = tmpDir('gregor-list-offsets-');
    log = await openLog(dir);
    p = new Partition('t', 0, 'AAAAAAAAAAAAAAAAAAAAAQ', log, SELF);
  });
  afterEach(async () => {
    await log.close();
    rmDir(dir);
  });

  it('latest: the HW for consumers, the log end for others, with the current leader epoch', async () => {
    await leaderWithHwBelowEnd();
    expect(await offsetForTimestamp(p, consumer(-1n))).toEqual({ offset: 2n, timestamp: -1n, leaderEpoch: 5 });
    expect(await offsetForTimestamp(p, consumer(-1n, { isolation: 1 }))).toMatchObject({ offset: 2n });
    expect(await offsetForTimestamp(p, follower(-1n))).toEqual({ offset: 3n, timestamp: -1n, leaderEpoch: 5 });
  });

  it('a new leader whose HW lags its epoch start answers consumers OFFSET_NOT_AVAILABLE', async () => {
    await leaderWithHwBelowEnd();
    p.makeLeader(state({ leaderEpoch: 7, partitionEpoch: 1 }), 0); // epoch starts at the log end, 3
    expect(await codeOf(offsetForTimestamp(p, consumer(-1n)))).toBe(ErrorCode.OFFSET_NOT_AVAILABLE);
    expect(await codeOf(offsetForTimestamp(p, consumer(301n)))).toBe(ErrorCode.OFFSET_NOT_AVAILABLE); // nothing found
    // a found and visible offset is still answered
    expect(await offsetForTimestamp(p, consumer(150n))).toMatchObject({ offset: 1n, timestamp: 300n });
    // the latest epoch is the partition's, not the log's newest batch's
    expect(await offsetForTimestamp(p, follower(-1n))).toEqual({ offset: 3n, timestamp: -1n, leaderEpoch: 7 });
    p.updateFollowerFetchState(2, 3n, 3n, 0);
    p.updateFollowerFetchState(3, 3n, 3n, 0);
    expect(await offsetForTimestamp(p, consumer(-1n))).toEqual({ offset: 3n, timestamp: -1n, leaderEpoch: 7 });
  });

  it('time and max-timestamp lookups answer only offsets below the visible bound', async () => {
    await leaderWithHwBelowEnd();
    expect(await offsetForTimestamp(p, consumer(150n))).toEqual({ offset: 1n, timestamp: 300n, leaderEpoch: 5 });
    expect(await offsetForTimestamp(p, consumer(301n))).toBeNull();
    expect(await offsetForTimestamp(p, consumer(-3n))).toEqual({ offset: 1n, timestamp: 300n, leaderEpoch: 5 });
    await p.appendRecordsToLeader(buildRecordBatch({ records: [{ value: 'x', timestamp: 999 }] }), 1, 1); // offset 3, above the HW
    expect(await offsetForTimestamp(p, consumer(-3n))).toBeNull();
    expect(await offsetForTimestamp(p, follower(-3n))).toEqual({ offset: 3n, timestamp: 999n, leaderEpoch: 5 });
    expect(await offsetForTimestamp(p, consumer(500n))).toBeNull();
    expect(await offsetForTimestamp(p, follower(500n))).toMatchObject({ offset: 3n });
  });

  it('earliest local is the log start (no tiered storage); latest tiered is offset -1, epoch -1', async () => {
    await leaderWithHwBelowEnd();
    expect(await offsetForTimestamp(p, consumer(-4n))).toEqual({ offset: 0n, timestamp: -1n, leaderEpoch: 5 });
    expect(await offsetForTimestamp(p, consumer(-2n))).toEqual({ offset: 0n, timestamp: -1n, leaderEpoch: 5 });
    expect(await offsetForTimestamp(p, consumer(-5n))).toEqual({ offset: -1n, timestamp: -1n, leaderEpoch: -1 });
  });

  it('a follower answers only the debug replica id; leader epochs are checked first', async () => {
    await leaderWithHwBelowEnd();
    p.makeFollower(state({ leader: 2, leaderEpoch: 6 }));
    expect(await codeOf(offsetForTimestamp(p, consumer(-1n)))).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(await offsetForTimestamp(p, { ...follower(-1n), fetchOnlyFromLeader: false })).toMatchObject({ offset: 3n, leaderEpoch: 6 });
    expect(await codeOf(offsetForTimestamp(p, { ...follower(-1n), fetchOnlyFromLeader: false, currentLeaderEpoch: 5 }))).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(await codeOf(offsetForTimestamp(p, consumer(-1n, { currentLeaderEpoch: 9 })))).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect(await codeOf(legacyOffsetsForTimestamp(p, -1n, 5, false, true))).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(await legacyOffsetsForTimestamp(p, -1n, 5, false, false)).toEqual([3n, 2n, 1n, 0n]);
  });

  it('v0: a consumer gets the offsets above the HW replaced by the HW', async () => {
    await leaderWithHwBelowEnd(); // old timestamps: every batch rolled a segment (segment.ms), bases 0, 1, 2
    expect(log.segments.all().map((s) => s.baseOffset)).toEqual([0n, 1n, 2n]);
    expect(await legacyOffsetsForTimestamp(p, -1n, 5, false, true)).toEqual([3n, 2n, 1n, 0n]);
    expect(await legacyOffsetsForTimestamp(p, -1n, 5, true, true)).toEqual([2n, 2n, 1n, 0n]); // as Kafka: the HW joins the segment base it equals
    expect(await legacyOffsetsForTimestamp(p, -1n, 1, true, true)).toEqual([2n]);
    expect(await legacyOffsetsForTimestamp(p, -2n, 5, true, true)).toEqual([0n]);
  });

  it('the handler answers OFFSET_NOT_AVAILABLE from v5, LEADER_NOT_AVAILABLE before', async () => {
    await leaderWithHwBelowEnd();
    p.makeLeader(state({ leaderEpoch: 7, partitionEpoch: 1 }), 0);
    const ask = async (apiVersion: number) => {
      const ctx = {
        apiVersion,
        log: createLogger({ level: 'silent' }),
        services: { replicaManager: { hostedPartition: () => p }, metadataCache: { partitionInfo: () => ({}) } },
      } as unknown as HandlerContext;
      const req = { ...defaultListOffsetsRequest(), replicaId: -1, topics: [{ name: 't', partitions: [{ ...defaultListOffsetsPartition(), timestamp: -1n }] }] };
      return ((await listOffsetsHandler.handle(ctx, req)) as ListOffsetsResponse).topics[0]!.partitions[0]!.errorCode;
    };
    expect(await ask(5)).toBe(ErrorCode.OFFSET_NOT_AVAILABLE);
    expect(await ask(4)).toBe(ErrorCode.LEADER_NOT_AVAILABLE);
  });

  it('DeleteRecords: not leader, then cleanup.policy without delete, then offsets outside [0, HW]', async () => {
    await leaderWithHwBelowEnd();
    log.updateConfig(config({ cleanupPolicy: { delete: false, compact: true } }));
    expect(await codeOf(p.deleteRecordsBefore(1n))).toBe(ErrorCode.POLICY_VIOLATION);
    expect(await codeOf(p.deleteRecordsBefore(99n))).toBe(ErrorCode.POLICY_VIOLATION);
    log.updateConfig(config({ cleanupPolicy: { delete: true, compact: true } }));
    expect(await codeOf(p.deleteRecordsBefore(-2n))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(await codeOf(p.deleteRecordsBefore(3n))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE); // above the HW (2)
    expect(await p.deleteRecordsBefore(1n)).toBe(1n);
    expect(await p.deleteRecordsBefore(-1n)).toBe(2n); // -1 is the HW
    log.updateConfig(config({ cleanupPolicy: { delete: false, compact: true } }));
    p.makeFollower(state({ leader: 2, leaderEpoch: 6 }));
    expect(await codeOf(p.deleteRecordsBefore(1n))).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });
});

describe('Broker > ReplicaManager.hostedPartition', () => {
  it('NOT_LEADER_OR_FOLLOWER for a partition known to the cluster but not hosted, else UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const dir = tmpDir('gregor-hosted-');
    const mgr = await LogManager.open({ logDirs: [dir], defaultConfig: config(), clock: new ManualClock() });
    const rm = new ReplicaManager(mgr, SELF, new ManualClock(), createLogger({ level: 'silent' }));
    const code = (inMetadata: boolean): ErrorCode | undefined => {
      try {
        rm.hostedPartition('elsewhere', 0, inMetadata);
      } catch (e) {
        return (e as KafkaError).code;
      }
      return undefined;
    };
    expect(code(true)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(code(false)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const hosted = await rm.getOrCreatePartition('here', 0, 'AAAAAAAAAAAAAAAAAAAAAQ', config());
    expect(rm.hostedPartition('here', 0, true)).toBe(hosted);
    await mgr.shutdown();
    rmDir(dir);
  });
});
