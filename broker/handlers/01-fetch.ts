/**
 * Fetch: v0-17
 *
 * Behavior:
 * * Consumer fetches read up to the HW (read_uncommitted) or the LSO (read_committed: the first
 *   offset of a transaction still open or whose marker is not yet below the HW, else the HW).
 *   read_committed answers the aborted transactions overlapping the records returned (from the
 *   segments' .txnindex, Kafka's collectAbortedTransactions; [] when none were returned);
 *   read_uncommitted answers abortedTransactions null. lastStableOffset (v4+) is the LSO for
 *   both, as Kafka's.
 * * Byte limits: each partition at most partitionMaxBytes, the response at most
 *   min(maxBytes, fetch.max.bytes); from v3 the first partition with data may exceed both by one
 *   batch (minOneBatch) so a large batch never blocks a consumer; v0-v2 limits are hard (a
 *   batch that does not fit is not returned; the client sees an overflow entry, see below).
 * * Long poll: when fewer than minBytes are available, no partition failed and maxWaitMs > 0,
 *   the request waits in the fetch purgatory until enough bytes were appended or maxWaitMs
 *   passed, then reads again.
 * * Sessions (KIP-227): see broker/replica/fetch-session.ts (cases A/B/C). Incremental responses carry
 *   only partitions with records, errors, or a changed HW / LSO / log start offset.
 * * Per-partition errors: UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID (v13+),
 *   NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH, OFFSET_OUT_OF_RANGE;
 *   UNSUPPORTED_COMPRESSION_TYPE below v10 for topics with compression.type=zstd, and at v0-v3
 *   when the first batch to down-convert is zstd; UNSUPPORTED_VERSION at v0-v3 when the topic
 *   has message.downconversion.enable=false.
 * * v4+: record bytes are passed through as their own Buffers (never copied into the frame).
 *   v0-v3: batches are down-converted after the read (limits and minBytes count the bytes
 *   read), sized as Kafka 3.9 does: see broker/replica/legacy-records.ts (downConvertFetched).
 *
 * Version notes:
 * * v0-v1: magic 0 message sets   * v1: throttleTimeMs   * v2: magic 1 (timestamps)
 * * v3: maxBytes (request limit), minOneBatch   * v4: isolationLevel, lastStableOffset,
 *   abortedTransactions, magic 2   * v5: logStartOffset   * v7: sessions
 * * v9: currentLeaderEpoch   * v10: zstd   * v11: rackId, preferredReadReplica
 * * v12: flexible, diverging epoch, currentLeader on NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH
 * * v13: topic ids   * v15: replicaState   * v16: nodeEndpoints of those leaders (KIP-951)
 * * v17: replicaDirectoryId (KIP-853, follower fetches only; consumers behave as at v16)
 */
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readFetchRequest, type FetchRequest } from '../../protocol/generated/fetch-request';
import {
  defaultFetchResponse,
  defaultPartitionData,
  sizeFetchResponse,
  writeFetchResponse,
  type FetchResponse,
  type FetchableTopicResponse,
  type PartitionData,
} from '../../protocol/generated/fetch-response';
import { sessionKey, type SessionPartition } from '../replica/fetch-session';
import type { IsolationLevel } from '../replica/partition';
import { defineHandler, type HandlerContext } from './define-handler';
import { LeaderHints, wantsLeaderHint } from './leader-hint';
import { ZERO_UUID } from './03-metadata';
import { downConvertFetched } from '../replica/legacy-records';
import { magicForFetchVersion } from '../../protocol/records/legacy-conversion';

const FINAL_EPOCH = -1;
const INITIAL_EPOCH = 0;

interface ReadOutcome {
  sp: SessionPartition;
  data: PartitionData;
  /** True when a local replica was read (false on error). */
  read: boolean;
}

/** Builds the list of partitions to read, applying the session protocol. */
function planSession(ctx: HandlerContext, req: FetchRequest): { list: SessionPartition[]; sessionId: number; incremental: boolean; error: ErrorCode } {
  const { fetchSessions, metadataCache } = ctx.services;
  const v = ctx.apiVersion;
  const useIds = v >= 13;
  const requested = new Map<string, SessionPartition>();
  for (const t of req.topics) {
    const name = useIds ? metadataCache.topicById(t.topicId)?.name ?? '' : t.topic;
    const topicId = useIds ? t.topicId : metadataCache.topic(t.topic)?.topicId ?? ZERO_UUID;
    for (const p of t.partitions) {
      requested.set(sessionKey(useIds ? topicId : name, p.partition), {
        topic: name,
        topicId,
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        maxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: v >= 9 ? p.currentLeaderEpoch : -1,
        lastFetchedEpoch: v >= 12 ? p.lastFetchedEpoch : -1,
        lastHighWatermark: -2n,
        lastStableOffset: -2n,
        lastLogStartOffset: -2n,
      });
    }
  }
  const sessionId = v >= 7 ? req.sessionId : 0;
  const epoch = v >= 7 ? req.sessionEpoch : FINAL_EPOCH;
  if (epoch === FINAL_EPOCH || epoch === INITIAL_EPOCH) {
    if (sessionId !== 0) fetchSessions.remove(sessionId); // Case A/B: close the old session
    const created = epoch === INITIAL_EPOCH ? fetchSessions.create(requested) : undefined; // Case B
    return { list: [...requested.values()], sessionId: created?.id ?? 0, incremental: false, error: ErrorCode.NONE };
  }
  // Case C: incremental
  const session = fetchSessions.get(sessionId);
  if (!session) return { list: [], sessionId: 0, incremental: false, error: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
  if (session.nextEpoch !== epoch) return { list: [], sessionId: 0, incremental: false, error: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
  for (const [k, sp] of requested) {
    const cached = session.partitions.get(k);
    if (cached) {
      cached.fetchOffset = sp.fetchOffset;
      cached.maxBytes = sp.maxBytes;
      cached.currentLeaderEpoch = sp.currentLeaderEpoch;
      cached.lastFetchedEpoch = sp.lastFetchedEpoch;
    } else {
      session.partitions.set(k, sp);
    }
  }
  for (const f of req.forgottenTopicsData) {
    for (const p of f.partitions) session.partitions.delete(sessionKey(useIds ? f.topicId : f.topic, p));
  }
  session.nextEpoch = epoch === 2147483647 ? 1 : epoch + 1;
  return { list: [...session.partitions.values()], sessionId: session.id, incremental: true, error: ErrorCode.NONE };
}

function errorData(index: number, code: ErrorCode): PartitionData {
  return { ...defaultPartitionData(), partitionIndex: index, errorCode: code, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: EMPTY };
}

/** Fetch's replica id: the top-level field below v15, ReplicaState from v15 (KIP-903); -1 for consumers. */
function replicaIdOf(req: FetchRequest, version: number): number {
  return version >= 15 ? req.replicaState.replicaId : req.replicaId;
}

/** Reads every partition through the replica manager (which also waits for min.bytes). */
async function fetchAll(ctx: HandlerContext, req: FetchRequest, list: readonly SessionPartition[]): Promise<ReadOutcome[]> {
  const isolation: IsolationLevel = req.isolationLevel === 1 ? 1 : 0;
  const replicaId = replicaIdOf(req, ctx.apiVersion);
  const maxBytes = Math.min(req.maxBytes > 0 ? req.maxBytes : 0x7fffffff, replicaId >= 0 ? ctx.services.config.replicaFetchResponseMaxBytes : ctx.services.config.fetchMaxBytes);
  const results = await ctx.services.replicaManager.fetchMessages(
    { replicaId, maxWaitMs: req.maxWaitMs, minBytes: req.minBytes, maxBytes, isolation, minOneBatch: ctx.apiVersion >= 3 },
    list.map((sp) => ({
      topic: sp.topic,
      partition: sp.partition,
      fetchOffset: sp.fetchOffset,
      maxBytes: sp.maxBytes,
      currentLeaderEpoch: sp.currentLeaderEpoch,
      lastFetchedEpoch: sp.lastFetchedEpoch,
      errorCode: sp.topic === '' ? ErrorCode.UNKNOWN_TOPIC_ID : undefined,
    })),
  );
  return results.map((r, i) => {
    const sp = list[i]!;
    if (!r.read) return { sp, data: errorData(sp.partition, r.errorCode), read: false };
    const data: PartitionData = {
      ...defaultPartitionData(),
      partitionIndex: sp.partition,
      errorCode: ErrorCode.NONE,
      highWatermark: r.read.highWatermark,
      lastStableOffset: r.read.lastStableOffset,
      logStartOffset: r.read.logStartOffset,
      abortedTransactions: isolation === 1 ? (r.read.abortedTransactions ?? []).map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset })) : null,
      records: r.read.records,
    };
    if (r.read.divergingEpoch) data.divergingEpoch = { ...data.divergingEpoch, epoch: r.read.divergingEpoch.epoch, endOffset: r.read.divergingEpoch.endOffset };
    return { sp, data, read: true };
  });
}

/** The topic configs that decide what an old fetch version may receive. */
function legacyTopicSettings(ctx: HandlerContext, topic: string): { zstd: boolean; downConversion: boolean } {
  const overrides = ctx.services.metadata.topic(topic)?.configs ?? {};
  const resolved = ctx.services.configAdmin.resolveTopic(overrides);
  const value = (key: string): string | null | undefined => resolved.find((c) => c.key === key)?.value;
  return { zstd: value('compression.type') === 'zstd', downConversion: value('message.downconversion.enable') !== 'false' };
}

/**
 * Fetch v0-v9 (Kafka's KafkaApis.maybeConvertFetchedData): partitions of zstd topics answer
 * UNSUPPORTED_COMPRESSION_TYPE (zstd needs v10); at v0-v3 every partition with a local log gets
 * its records down-converted to magic 0 / 1.
 */
function adaptToOldVersion(ctx: HandlerContext, outcomes: ReadOutcome[]): void {
  const toMagic = magicForFetchVersion(ctx.apiVersion);
  const settings = new Map<string, { zstd: boolean; downConversion: boolean }>();
  for (const o of outcomes) {
    if (!o.read) continue;
    let s = settings.get(o.sp.topic);
    if (!s) settings.set(o.sp.topic, (s = legacyTopicSettings(ctx, o.sp.topic)));
    if (s.zstd) {
      o.data = errorData(o.sp.partition, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
      continue;
    }
    if (toMagic === 2) continue;
    if (!s.downConversion) {
      o.data = errorData(o.sp.partition, ErrorCode.UNSUPPORTED_VERSION);
      continue;
    }
    const converted = downConvertFetched(o.data.records ?? EMPTY, toMagic, o.sp.fetchOffset);
    if ('error' in converted) {
      if (converted.error === ErrorCode.UNKNOWN_SERVER_ERROR) ctx.log.error({ err: converted.message, tp: `${o.sp.topic}-${o.sp.partition}` }, 'down-conversion failed');
      o.data = errorData(o.sp.partition, converted.error);
    } else {
      o.data = { ...o.data, records: converted.records };
    }
  }
}

function changed(o: ReadOutcome): boolean {
  const d = o.data;
  return (d.records?.length ?? 0) > 0 || d.errorCode !== ErrorCode.NONE || d.highWatermark !== o.sp.lastHighWatermark ||
    d.lastStableOffset !== o.sp.lastStableOffset || d.logStartOffset !== o.sp.lastLogStartOffset;
}

function buildResponse(ctx: HandlerContext, outcomes: readonly ReadOutcome[], sessionId: number, incremental: boolean): FetchResponse {
  let hints: LeaderHints | undefined; // built only when a partition needs a hint (v12+)
  const topics: FetchableTopicResponse[] = [];
  let current: FetchableTopicResponse | undefined;
  for (const o of outcomes) {
    const include = !incremental || changed(o);
    o.sp.lastHighWatermark = o.data.highWatermark;
    o.sp.lastStableOffset = o.data.lastStableOffset;
    o.sp.lastLogStartOffset = o.data.logStartOffset;
    if (!include) continue;
    const topicName = ctx.apiVersion >= 13 ? '' : o.sp.topic;
    const topicId = ctx.apiVersion >= 13 ? o.sp.topicId : ZERO_UUID;
    if (!current || current.topic !== topicName || current.topicId !== topicId) {
      current = { topic: topicName, topicId, partitions: [] };
      topics.push(current);
    }
    if (ctx.apiVersion >= 12 && wantsLeaderHint(o.data.errorCode)) o.data.currentLeader = (hints ??= new LeaderHints(ctx)).hint(o.sp.topic, o.sp.partition);
    current.partitions.push(o.data);
  }
  return { ...defaultFetchResponse(), errorCode: ErrorCode.NONE, sessionId, responses: topics, nodeEndpoints: hints && ctx.apiVersion >= 16 ? hints.endpoints() : [] };
}

export const fetchHandler = defineHandler<FetchRequest, FetchResponse>({
  apiKey: ApiKey.Fetch,
  minVersion: 0,
  maxVersion: 17,
  read: readFetchRequest,
  write: writeFetchResponse,
  size: sizeFetchResponse,
  async handle(ctx, req) {
    const plan = planSession(ctx, req);
    if (plan.error !== ErrorCode.NONE) return { ...defaultFetchResponse(), errorCode: plan.error, sessionId: 0, responses: [] };
    if (plan.list.length === 0 && req.maxWaitMs > 0 && plan.incremental) {
      await new Promise<void>((r) => ctx.services.clock.setTimeout(r, Math.min(req.maxWaitMs, 500)));
    }
    const outcomes = await fetchAll(ctx, req, plan.list);
    if (ctx.apiVersion < 10) adaptToOldVersion(ctx, outcomes);
    return buildResponse(ctx, outcomes, plan.sessionId, plan.incremental);
  },
  errorResponse(req, code, ctx) {
    if (ctx.apiVersion >= 7) return { ...defaultFetchResponse(), errorCode: code, sessionId: 0, responses: [] };
    return {
      ...defaultFetchResponse(),
      responses: req.topics.map((t) => ({ topic: t.topic, topicId: t.topicId, partitions: t.partitions.map((p) => errorData(p.partition, code)) })),
    };
  },
});

const EMPTY = Buffer.alloc(0);
