/**
 * Test doubles for replica fetcher tests:
 * - FakeLeader: an in-memory LeaderEndpoint serving real storage Logs (offsets and epochs
 *   assigned by appendAsLeader), with knobs for errors, slowness and KIP-320 divergence;
 * - LogReplica: a FollowerReplica over a real storage Log, recording every call;
 * - a capturing logger, waitFor, and log comparison.
 */
import * as path from 'path';
import { ErrorCode, KafkaError } from '../../protocol/errors';
import type { FetchRequest } from '../../protocol/generated/fetch-request';
import { defaultFetchResponse, defaultPartitionData, type FetchResponse, type PartitionData } from '../../protocol/generated/fetch-response';
import type { EpochAnswer, EpochQuery, LeaderEndpoint } from '../../replication/leader-endpoint';
import type { FollowerReplica } from '../../replication/follower-replica';
import type { ReplicationLogger } from '../../replication/types';
import type { ReplicaFetcherConfig } from '../../replication/fetch-builder';
import { loadLog } from '../../storage/log-loader';
import type { Log } from '../../storage/log';
import { NOOP_LOGGER } from '../../storage/types';
import { ManualClock, batch, config, readAll } from '../storage/helpers';

export { tmpDir, rmDir } from '../storage/helpers';

export const TEST_CONFIG: ReplicaFetcherConfig = {
  fetchMaxBytes: 400,
  fetchResponseMaxBytes: 1 << 20,
  fetchWaitMaxMs: 40,
  fetchMinBytes: 1,
  fetchBackoffMs: 60,
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

let logSeq = 0;
export function openTestLog(root: string, topic: string, partition: number): Promise<Log> {
  return loadLog({
    dir: path.join(root, `${topic}-${partition}-${++logSeq}`),
    topicPartition: { topic, partition },
    config: config(),
    clock: new ManualClock(),
    logger: NOOP_LOGGER,
    cleanShutdown: false,
  });
}

/** Appends `count` batches of `records` records each at `epoch` (as a leader would). */
export async function appendAsLeader(log: Log, epoch: number, count: number, records = 2, tag = 'v'): Promise<void> {
  for (let i = 0; i < count; i++) await log.appendAsLeader(batch(records, { tag: `${tag}-e${epoch}-${i}` }), { leaderEpoch: epoch });
}

/** Every batch of the log: base offset, last offset, leader epoch and bytes. */
export async function batchesOf(log: Log): Promise<{ base: bigint; last: bigint; epoch: number; bytes: Buffer }[]> {
  return (await readAll(log)).map((b) => ({ ...b, epoch: b.bytes.readInt32BE(12) }));
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

export class CaptureLogger implements ReplicationLogger {
  entries: LogEntry[] = [];
  debug(obj: object, msg?: string): void {
    this.entries.push({ level: 'debug', obj: obj as Record<string, unknown>, msg });
  }
  info(obj: object, msg?: string): void {
    this.entries.push({ level: 'info', obj: obj as Record<string, unknown>, msg });
  }
  warn(obj: object, msg?: string): void {
    this.entries.push({ level: 'warn', obj: obj as Record<string, unknown>, msg });
  }
  error(obj: object, msg?: string): void {
    this.entries.push({ level: 'error', obj: obj as Record<string, unknown>, msg });
  }
  /** Entries above debug whose message contains `text`. */
  loud(text: string): LogEntry[] {
    return this.entries.filter((e) => e.level !== 'debug' && (e.msg ?? '').includes(text));
  }
}

interface LeaderPartition {
  topic: string;
  partition: number;
  topicId: string;
  log: Log;
  epoch: number;
  /** Answer this code to every request about the partition. */
  error: ErrorCode | null;
}

/** One connection to a FakeLeader: closing it fails its own requests only. */
export class FakeConnection implements LeaderEndpoint {
  closed = false;
  constructor(private readonly leader: FakeLeader) {}
  private live(): FakeLeader {
    if (this.closed) throw new Error('endpoint closed');
    return this.leader;
  }
  async fetch(req: FetchRequest): Promise<FetchResponse> {
    const r = await this.live().fetch(req);
    this.live(); // closed while the leader was answering: the response is lost
    return r;
  }
  offsetForLeaderEpoch(q: readonly EpochQuery[]): Promise<EpochAnswer[]> {
    return this.live().offsetForLeaderEpoch(q);
  }
  fetchEarliestOffset(topic: string, partition: number, currentLeaderEpoch: number): Promise<bigint> {
    return this.live().fetchEarliestOffset(topic, partition, currentLeaderEpoch);
  }
  fetchLatestOffset(topic: string, partition: number, currentLeaderEpoch: number): Promise<bigint> {
    return this.live().fetchLatestOffset(topic, partition, currentLeaderEpoch);
  }
  close(): void {
    this.closed = true;
    this.leader.notify();
  }
}

/** An in-memory leader serving real Logs; open() gives a LeaderEndpoint (one per fetcher). */
export class FakeLeader {
  readonly connections: FakeConnection[] = [];

  open(): FakeConnection {
    const c = new FakeConnection(this);
    this.connections.push(c);
    return c;
  }

  get openConnections(): number {
    return this.connections.filter((c) => !c.closed).length;
  }

  readonly partitions = new Map<string, LeaderPartition>();
  readonly fetches: FetchRequest[] = [];
  readonly epochQueries: EpochQuery[][] = [];
  readonly listOffsets: { kind: 'earliest' | 'latest'; topic: string; partition: number; currentLeaderEpoch: number }[] = [];
  /** Every request rejects with this while set (a connection failure). */
  failWith: Error | null = null;
  /** Extra time before a fetch is answered (its data is read after it). */
  fetchDelayMs = 0;
  /** Compute divergingEpoch like a KIP-320 leader. */
  divergence = false;
  /** Overrides the answer to OffsetForLeaderEpoch for a partition. */
  epochAnswer: ((q: EpochQuery) => EpochAnswer | undefined) | null = null;
  inFlightFetches = 0;
  private waiters: (() => void)[] = [];

  add(topic: string, partition: number, topicId: string, log: Log, epoch: number): LeaderPartition {
    const p: LeaderPartition = { topic, partition, topicId, log, epoch, error: null };
    this.partitions.set(`${topic}-${partition}`, p);
    return p;
  }

  get(topic: string, partition: number): LeaderPartition {
    const p = this.partitions.get(`${topic}-${partition}`);
    if (!p) throw new Error(`no leader partition ${topic}-${partition}`);
    return p;
  }

  /** Appends on the leader at its current epoch and wakes long polls. */
  async produce(topic: string, partition: number, count: number, records = 2): Promise<void> {
    const p = this.get(topic, partition);
    await appendAsLeader(p.log, p.epoch, count, records, `produced-${p.log.logEndOffset}`);
    this.notify();
  }

  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async fetch(req: FetchRequest): Promise<FetchResponse> {
    this.fetches.push(req);
    this.check();
    this.inFlightFetches++;
    try {
      if (!this.anythingToSay(req) && req.maxWaitMs > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, req.maxWaitMs);
          this.waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      if (this.fetchDelayMs > 0) await sleep(this.fetchDelayMs);
      this.check();
      const responses = [];
      for (const t of req.topics) {
        const partitions: PartitionData[] = [];
        for (const fp of t.partitions) partitions.push(await this.fetchPartition(t.topicId, fp));
        responses.push({ topic: '', topicId: t.topicId, partitions });
      }
      return { ...defaultFetchResponse(), responses };
    } finally {
      this.inFlightFetches--;
    }
  }

  async offsetForLeaderEpoch(queries: readonly EpochQuery[]): Promise<EpochAnswer[]> {
    this.epochQueries.push([...queries]);
    this.check();
    return queries.map((q) => {
      const over = this.epochAnswer?.(q);
      if (over) return over;
      const base = { topic: q.topic, partition: q.partition, leaderEpoch: -1, endOffset: -1n };
      const p = this.partitions.get(`${q.topic}-${q.partition}`);
      if (!p) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
      const code = this.epochError(p, q.currentLeaderEpoch);
      if (code !== ErrorCode.NONE) return { ...base, errorCode: code };
      const r = p.log.endOffsetForEpoch(q.leaderEpoch);
      return r ? { ...base, errorCode: ErrorCode.NONE, leaderEpoch: r.epoch, endOffset: r.endOffset } : { ...base, errorCode: ErrorCode.NONE };
    });
  }

  async fetchEarliestOffset(topic: string, partition: number, currentLeaderEpoch: number): Promise<bigint> {
    this.listOffsets.push({ kind: 'earliest', topic, partition, currentLeaderEpoch });
    return this.listed(topic, partition, currentLeaderEpoch).log.logStartOffset;
  }

  async fetchLatestOffset(topic: string, partition: number, currentLeaderEpoch: number): Promise<bigint> {
    this.listOffsets.push({ kind: 'latest', topic, partition, currentLeaderEpoch });
    return this.listed(topic, partition, currentLeaderEpoch).log.logEndOffset;
  }

  private listed(topic: string, partition: number, currentLeaderEpoch: number): LeaderPartition {
    this.check();
    const p = this.get(topic, partition);
    const code = this.epochError(p, currentLeaderEpoch);
    if (code !== ErrorCode.NONE) throw new KafkaError(code);
    return p;
  }

  private check(): void {
    if (this.failWith) throw this.failWith;
  }

  private epochError(p: LeaderPartition, currentLeaderEpoch: number): ErrorCode {
    if (p.error !== null) return p.error;
    if (currentLeaderEpoch < p.epoch) return ErrorCode.FENCED_LEADER_EPOCH;
    if (currentLeaderEpoch > p.epoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
    return ErrorCode.NONE;
  }

  private byId(topicId: string, partition: number): LeaderPartition | undefined {
    for (const p of this.partitions.values()) if (p.topicId === topicId && p.partition === partition) return p;
    return undefined;
  }

  private anythingToSay(req: FetchRequest): boolean {
    return req.topics.some((t) =>
      t.partitions.some((fp) => {
        const p = this.byId(t.topicId, fp.partition);
        return !p || p.error !== null || fp.fetchOffset !== p.log.logEndOffset || fp.currentLeaderEpoch !== p.epoch;
      }),
    );
  }

  private async fetchPartition(topicId: string, fp: FetchRequest['topics'][number]['partitions'][number]): Promise<PartitionData> {
    const base = { ...defaultPartitionData(), partitionIndex: fp.partition };
    const p = this.byId(topicId, fp.partition);
    if (!p) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_ID };
    const code = this.epochError(p, fp.currentLeaderEpoch);
    if (code !== ErrorCode.NONE) return { ...base, errorCode: code };
    const log = p.log;
    const marks = { highWatermark: log.logEndOffset, lastStableOffset: log.logEndOffset, logStartOffset: log.logStartOffset };
    if (this.divergence && fp.lastFetchedEpoch >= 0) {
      const e = log.endOffsetForEpoch(fp.lastFetchedEpoch);
      if (e && (e.epoch < fp.lastFetchedEpoch || e.endOffset < fp.fetchOffset)) {
        return { ...base, ...marks, divergingEpoch: { epoch: e.epoch, endOffset: e.endOffset }, records: Buffer.alloc(0) };
      }
    }
    if (fp.fetchOffset < log.logStartOffset || fp.fetchOffset > log.logEndOffset) return { ...base, ...marks, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
    const records = fp.fetchOffset === log.logEndOffset ? Buffer.alloc(0) : (await log.read(fp.fetchOffset, fp.partitionMaxBytes, { minOneBatch: true })).records;
    return { ...base, ...marks, records };
  }
}

/** A FollowerReplica over a real Log that records its calls and can be slowed or broken. */
export class LogReplica implements FollowerReplica {
  readonly calls: string[] = [];
  hw = 0n;
  leaderLogStart = -1n;
  appendDelayMs = 0;
  failAppends: Error | null = null;
  /** Set by a test once the replica must not be written any more (fencing checks). */
  fenced = false;
  violations: string[] = [];
  running = 0;
  maxConcurrent = 0;

  constructor(
    readonly log: Log,
    readonly topic: string,
    readonly partition: number,
    readonly topicId: string,
    public leaderEpoch: number,
  ) {}

  logStartOffset(): bigint {
    return this.log.logStartOffset;
  }
  logEndOffset(): bigint {
    return this.log.logEndOffset;
  }
  latestEpoch(): number | null {
    return this.log.latestEpoch();
  }
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: bigint } | null {
    return this.log.endOffsetForEpoch(epoch);
  }
  highWatermark(): bigint {
    return this.hw;
  }
  appendAsFollower(records: Buffer): Promise<void> {
    return this.op(`append@${this.log.logEndOffset}`, async () => {
      if (this.appendDelayMs > 0) await sleep(this.appendDelayMs);
      if (this.failAppends) throw this.failAppends;
      await this.log.appendAsFollower(records);
    });
  }
  truncateTo(offset: bigint): Promise<void> {
    return this.op(`truncateTo ${offset}`, () => this.log.truncateTo(offset));
  }
  truncateFullyAndStartAt(offset: bigint): Promise<void> {
    return this.op(`truncateFully ${offset}`, () => this.log.truncateFullyAndStartAt(offset));
  }
  updateFromLeader(leaderHighWatermark: bigint, leaderLogStartOffset: bigint): void {
    if (this.fenced) this.violations.push('updateFromLeader');
    const leo = this.log.logEndOffset;
    this.hw = leaderHighWatermark < leo ? leaderHighWatermark : leo;
    this.leaderLogStart = leaderLogStartOffset;
  }

  private async op(name: string, fn: () => Promise<void>): Promise<void> {
    if (this.fenced) this.violations.push(name);
    this.calls.push(name);
    this.running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    try {
      await fn();
    } finally {
      this.running--;
      if (this.fenced) this.violations.push(`${name} finished after fencing`);
    }
  }
}
