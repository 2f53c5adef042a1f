/**
 * FindCoordinator: v0-6
 *
 * Behavior:
 * * keyType 0 (group): the leader of __consumer_offsets partition
 *   abs(javaStringHashCode(key)) % partitions. If the topic does not exist yet it is created
 *   (offsets.topic.num.partitions, compacted) and looked up once created; if that fails, or the
 *   partition has no live leader: COORDINATOR_NOT_AVAILABLE with node -1.
 * * keyType 1 (transaction): the leader of __transaction_state partition
 *   abs(javaStringHashCode(key)) % partitions, the topic created the same way when missing
 *   (transaction.state.log.* settings; see TopicAdmin.ensureTransactionStateTopic).
 * * Any other keyType: INVALID_REQUEST.
 * * errorMessage is the error's name for NONE too (Kafka's Errors.message()).
 * * Unlike Kafka, which answers COORDINATOR_NOT_AVAILABLE while it creates the internal topic in
 *   the background, the answer waits for the creation. And when this broker is the coordinator
 *   and its partition is still loading, the answer waits (up to 5 s) for the load, sparing
 *   clients a COORDINATOR_LOAD_IN_PROGRESS round.
 *
 * Version notes:
 * * v1: keyType, throttleTimeMs, errorMessage   * v3: flexible
 * * v4: batched coordinatorKeys -> coordinators[]   * v6: (share key type, not served)
 */
import { ERROR_INFO, ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readFindCoordinatorRequest, type FindCoordinatorRequest } from '../../protocol/generated/find-coordinator-request';
import {
  defaultFindCoordinatorResponse,
  sizeFindCoordinatorResponse,
  writeFindCoordinatorResponse,
  type Coordinator,
  type FindCoordinatorResponse,
} from '../../protocol/generated/find-coordinator-response';
import { coordinatorPartitionFor } from '../../coordinator/group/coordinator-partition';
import { GroupCoordinator } from '../../coordinator/group/group-coordinator';
import { OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC } from '../metadata/topic-admin';
import { defineHandler, type HandlerContext } from './define-handler';

const GROUP_KEY = 0;
const TRANSACTION_KEY = 1;
/** Longest FindCoordinator waits for its coordinator partition to finish loading (ms). */
const LOAD_WAIT_MS = 5000;

type Found = Omit<Coordinator, 'key'>;

function messageOf(code: ErrorCode, message?: string): string {
  return message ?? (code === ErrorCode.NONE ? 'NONE' : (ERROR_INFO[code]?.message ?? 'NONE'));
}

function notFound(code: ErrorCode, message?: string): Found {
  return { errorCode: code, errorMessage: messageOf(code, message), nodeId: -1, host: '', port: -1 };
}

async function lookup(ctx: HandlerContext, keyType: number, key: string): Promise<Found> {
  const { metadataCache: cache, topicAdmin } = ctx.services;
  if (keyType !== GROUP_KEY && keyType !== TRANSACTION_KEY) return notFound(ErrorCode.INVALID_REQUEST, `Unknown coordinator type: ${keyType}`);
  const topicName = keyType === GROUP_KEY ? OFFSETS_TOPIC : TRANSACTION_STATE_TOPIC;
  let topic = cache.topic(topicName);
  if (!topic) {
    try {
      topic = await (keyType === GROUP_KEY ? topicAdmin.ensureOffsetsTopic() : topicAdmin.ensureTransactionStateTopic());
    } catch (e) {
      ctx.log.warn({ err: e }, `creating ${topicName} failed`);
      return notFound(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  }
  if (!topic || topic.assignment.size === 0) return notFound(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const gc = ctx.services.groupCoordinator;
  const tc = ctx.services.txnCoordinator;
  const partition =
    keyType === GROUP_KEY && gc instanceof GroupCoordinator ? gc.partitionFor(key) : keyType === TRANSACTION_KEY && tc ? tc.partitionFor(key) : coordinatorPartitionFor(key, topic.assignment.size);
  const info = cache.partitionInfo(topic, partition);
  if (!info || info.leader < 0) return notFound(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const node = cache.brokers(ctx.listener).find((b) => b.nodeId === info.leader);
  if (!node) return notFound(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  // A coordinator partition led here that is still loading: answer once it is ready (bounded).
  const loaded = node.nodeId !== ctx.services.brokerId ? undefined : keyType === GROUP_KEY && gc instanceof GroupCoordinator ? gc.awaitLoaded(key) : keyType === TRANSACTION_KEY ? tc?.states.awaitLoaded(key) : undefined;
  if (loaded) {
    const clock = ctx.services.clock;
    let timer: unknown;
    await Promise.race([loaded, new Promise((r) => (timer = clock.setTimeout(() => r(undefined), LOAD_WAIT_MS)))]);
    clock.clearTimeout(timer);
  }
  return { errorCode: ErrorCode.NONE, errorMessage: 'NONE', nodeId: node.nodeId, host: node.host, port: node.port };
}

export const findCoordinatorHandler = defineHandler<FindCoordinatorRequest, FindCoordinatorResponse>({
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 6,
  read: readFindCoordinatorRequest,
  write: writeFindCoordinatorResponse,
  size: sizeFindCoordinatorResponse,
  async handle(ctx, req) {
    const v = ctx.apiVersion;
    const keyType = v >= 1 ? req.keyType : GROUP_KEY;
    if (v >= 4) {
      const coordinators = await Promise.all(req.coordinatorKeys.map(async (key) => ({ key, ...(await lookup(ctx, keyType, key)) })));
      return { ...defaultFindCoordinatorResponse(), coordinators };
    }
    const found = await lookup(ctx, keyType, req.key);
    return { ...defaultFindCoordinatorResponse(), ...found, errorMessage: v >= 1 ? found.errorMessage : null };
  },
  errorResponse(req, code, ctx) {
    if (ctx.apiVersion >= 4) return { ...defaultFindCoordinatorResponse(), coordinators: req.coordinatorKeys.map((key) => ({ key, ...notFound(code) })) };
    return { ...defaultFindCoordinatorResponse(), ...notFound(code), errorMessage: ctx.apiVersion >= 1 ? messageOf(code) : null };
  },
});
