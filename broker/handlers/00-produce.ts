/**
 * Produce: v3-11 (v0-2 too when the legacy message-set converter is available)
 *
 * Behavior:
 * * acks must be -1, 0 or 1; otherwise every partition gets INVALID_REQUIRED_ACKS.
 * * Per partition (a bad partition never fails the others):
 *   - unknown topic/partition -> UNKNOWN_TOPIC_OR_PARTITION; not leader -> NOT_LEADER_OR_FOLLOWER
 *   - v3+: exactly one magic-2 batch, else INVALID_RECORD; fewer bytes than a batch header
 *     -> CORRUPT_MESSAGE; zstd below v7 -> UNSUPPORTED_COMPRESSION_TYPE
 *   - storage validates CRC, sizes (MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE), offsets (a base
 *     offset other than 0: INVALID_RECORD), and what the topic asks of records: keys on compacted
 *     topics (INVALID_RECORD), the CreateTime window (INVALID_TIMESTAMP); such a refusal names
 *     each bad record's index in recordErrors (v8+) with errorMessage summarizing them
 * * Idempotent and transactional batches (storage/log-producer-append.ts): a retry of one of the
 *   producer's last five batches answers NONE with the original base offset (nothing is
 *   written); a sequence gap OUT_OF_ORDER_SEQUENCE_NUMBER; an older producer epoch
 *   INVALID_PRODUCER_EPOCH (every version, as Kafka since 2.7); a non-transactional batch inside
 *   the producer's open transaction INVALID_TXN_STATE.
 * * Transactional batches (a partition's first batch has the transactional bit) need a
 *   transactionalId, else the whole request answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED
 *   (KafkaApis); transactional batches of more than one producer id / epoch answer
 *   INVALID_PRODUCER_ID_MAPPING (ReplicaManager.handleProduceAppend). Partition verification
 *   with the transaction coordinator (KIP-890, transaction.partition.verification.enable) is not
 *   done: appends behave as Kafka's with it disabled.
 * * Appends start synchronously in request order (per-partition order across pipelined requests).
 * * acks=0 sends no response, and closes the connection when any partition failed (the
 *   producer's only way to learn of it); acks=1 answers after the local append; acks=-1 when the HW covers
 *   the append (immediately with one replica), REQUEST_TIMED_OUT after timeoutMs otherwise.
 *
 * Version notes:
 * * v2: logAppendTimeMs   * v3: transactionalId, magic 2 only   * v5: logStartOffset
 * * v7: zstd allowed   * v8: recordErrors, errorMessage   * v9: flexible
 * * v10: currentLeader and nodeEndpoints for NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH (KIP-951)
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readProduceRequest, type ProduceRequest } from '../../protocol/generated/produce-request';
import {
  defaultPartitionProduceResponse,
  defaultProduceResponse,
  sizeProduceResponse,
  writeProduceResponse,
  type PartitionProduceResponse,
  type ProduceResponse,
} from '../../protocol/generated/produce-response';
import type { AppendEntry, AppendResult } from '../replica/replica-manager';
import { convertLegacyRecords, LEGACY_PRODUCE_SUPPORTED } from '../replica/legacy-records';
import { CloseConnection, defineHandler, NO_RESPONSE, type HandlerContext } from './define-handler';
import { LeaderHints, wantsLeaderHint } from './leader-hint';

const BATCH_HEADER = 61;
const ZSTD = 4;

/** Checks the shape Kafka requires of a v3+ produce payload; returns an error code or NONE. */
export function checkProduceRecords(records: Buffer | null, version: number): { code: ErrorCode; message: string | null } {
  if (records === null || records.length === 0) return { code: ErrorCode.INVALID_RECORD, message: 'Produce requests must contain exactly one record batch' };
  if (records.length < BATCH_HEADER) return { code: ErrorCode.CORRUPT_MESSAGE, message: `Record batch of ${records.length} bytes is smaller than a batch header` };
  const magic = records[16];
  if (magic !== 2) return { code: ErrorCode.INVALID_RECORD, message: `Produce requests with version ${version} are only allowed to contain record batches with magic version 2` };
  const size = records.readInt32BE(8) + 12;
  if (size < BATCH_HEADER || size > records.length) return { code: ErrorCode.CORRUPT_MESSAGE, message: `Record batch declares ${size} bytes but ${records.length} were sent` };
  if (size < records.length) return { code: ErrorCode.INVALID_RECORD, message: `Produce requests with version ${version} are only allowed to contain exactly one record batch` };
  if (version < 7 && (records.readInt16BE(21) & 0x07) === ZSTD) {
    return { code: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, message: 'Produce requests to use ZStandard compression need version 7 or higher' };
  }
  return { code: ErrorCode.NONE, message: null };
}

const TRANSACTIONAL_FLAG = 0x10;

/**
 * Kafka's checks of the transactional batches of a v3+ request (the first batch of each
 * partition): a transactionalId is needed, and one producer id and epoch at most.
 */
function checkTransactional(req: ProduceRequest, version: number): void {
  if (version < 3) return;
  let producer: string | null = null;
  for (const t of req.topicData) {
    for (const p of t.partitionData) {
      const r = p.records;
      if (r === null || r.length < BATCH_HEADER || r[16] !== 2 || (r.readInt16BE(21) & TRANSACTIONAL_FLAG) === 0) continue;
      if (req.transactionalId === null) throw new KafkaError(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactional records need a transactional id');
      const id = `${r.readBigInt64BE(43)}/${r.readInt16BE(51)}`;
      if (producer !== null && producer !== id) throw new KafkaError(ErrorCode.INVALID_PRODUCER_ID_MAPPING, 'Transactional records contained more than one producer ID');
      producer = id;
    }
  }
}

function partitionResponse(index: number, r: AppendResult): PartitionProduceResponse {
  return {
    ...defaultPartitionProduceResponse(),
    index,
    errorCode: r.errorCode,
    baseOffset: r.baseOffset,
    logAppendTimeMs: r.logAppendTimeMs,
    logStartOffset: r.logStartOffset,
    recordErrors: r.recordErrors.map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.batchIndexErrorMessage })),
    errorMessage: r.errorMessage,
  };
}

/**
 * acks=0 has no response to carry an error, so a failed partition closes the connection: the
 * producer notices and refreshes its metadata (Kafka's KafkaApis.handleProduceRequest).
 */
function closeForAcksZero(ctx: HandlerContext, req: ProduceRequest, results: readonly AppendResult[]): CloseConnection {
  const failures: string[] = [];
  let i = 0;
  for (const t of req.topicData) {
    for (const p of t.partitionData) {
      const r = results[i++]!;
      if (r.errorCode !== ErrorCode.NONE) failures.push(`${t.name}-${p.index}: ${ErrorCode[r.errorCode] ?? r.errorCode}`);
    }
  }
  return new CloseConnection(
    `error during produce request with correlation id ${ctx.correlationId} from client id ${ctx.clientId ?? ''} with acks=0; partitions and errors: ${failures.join(', ')}`,
  );
}

export const produceHandler = defineHandler<ProduceRequest, ProduceResponse>({
  apiKey: ApiKey.Produce,
  minVersion: LEGACY_PRODUCE_SUPPORTED ? 0 : 3,
  maxVersion: 11,
  read: readProduceRequest,
  write: writeProduceResponse,
  size: sizeProduceResponse,
  async handle(ctx, req) {
    const { replicaManager, configAdmin } = ctx.services;
    const acksValid = req.acks === -1 || req.acks === 0 || req.acks === 1;
    checkTransactional(req, ctx.apiVersion);
    const entries: AppendEntry[] = [];
    for (const t of req.topicData) {
      for (const p of t.partitionData) {
        const entry: AppendEntry = { topic: t.name, partition: p.index, records: p.records ?? EMPTY, origin: 'client' };
        if (!acksValid) {
          entry.errorCode = ErrorCode.INVALID_REQUIRED_ACKS;
        } else if (ctx.apiVersion < 3) {
          const converted = convertLegacyRecords(p.records);
          if ('error' in converted) {
            entry.errorCode = converted.error;
            entry.errorMessage = converted.message;
          } else {
            entry.records = converted.records;
          }
        } else {
          const check = checkProduceRecords(p.records, ctx.apiVersion);
          if (check.code !== ErrorCode.NONE) {
            entry.errorCode = check.code;
            entry.errorMessage = check.message;
          }
        }
        entries.push(entry);
      }
    }
    // Starts every append now (synchronously), so pipelined requests keep their order.
    const pending = replicaManager.appendRecords(entries, req.acks, req.timeoutMs, (topic) => configAdmin.topicInt(topic, 'min.insync.replicas'));
    const results = await pending;
    if (req.acks === 0) return results.some((r) => r.errorCode !== ErrorCode.NONE) ? closeForAcksZero(ctx, req, results) : NO_RESPONSE;
    const resp: ProduceResponse = { ...defaultProduceResponse(), responses: [] };
    let hints: LeaderHints | undefined; // built only when a partition needs a hint (v10+)
    let i = 0;
    for (const t of req.topicData) {
      resp.responses.push({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => {
          const r = partitionResponse(p.index, results[i++]!);
          if (ctx.apiVersion >= 10 && wantsLeaderHint(r.errorCode)) r.currentLeader = (hints ??= new LeaderHints(ctx)).hint(t.name, p.index);
          return r;
        }),
      });
    }
    if (hints) resp.nodeEndpoints = hints.endpoints();
    return resp;
  },
  errorResponse(req, code) {
    return {
      ...defaultProduceResponse(),
      responses: req.topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => ({ ...defaultPartitionProduceResponse(), index: p.index, errorCode: code, baseOffset: -1n })),
      })),
    };
  },
});

const EMPTY = Buffer.alloc(0);
