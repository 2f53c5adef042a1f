/**
 * InitProducerId: v0-5
 *
 * Behavior:
 * * transactionalId null: an idempotent producer; a fresh producer id (from the blocks this
 *   broker reserves in the metadata store) with epoch 0.
 * * transactionalId set: TransactionCoordinator.handleInitProducerId (new id or a bumped epoch,
 *   fencing the previous producer; an open transaction is aborted first and the producer told
 *   CONCURRENT_TRANSACTIONS). Creates __transaction_state first if it does not exist (the
 *   answer is then NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS until this broker loaded the
 *   id's partition, and the producer retries).
 * * producerId / producerEpoch: both -1, or both set (KIP-360); one of them alone: INVALID_REQUEST.
 * * Timeouts above transaction.max.timeout.ms (or <= 0): INVALID_TRANSACTION_TIMEOUT.
 *
 * Version notes:
 * * v2: flexible   * v3: producerId, producerEpoch (KIP-360)
 * * v0-3: PRODUCER_FENCED is answered as INVALID_PRODUCER_EPOCH (Kafka's KafkaApis)
 */
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readInitProducerIdRequest, type InitProducerIdRequest } from '../../protocol/generated/init-producer-id-request';
import { defaultInitProducerIdResponse, sizeInitProducerIdResponse, writeInitProducerIdResponse, type InitProducerIdResponse } from '../../protocol/generated/init-producer-id-response';
import { TRANSACTION_STATE_TOPIC } from '../metadata/topic-admin';
import { fencedForVersion, requireTxnCoordinator } from '../txn/txn-handler-support';
import { defineHandler } from './define-handler';

export const initProducerIdHandler = defineHandler<InitProducerIdRequest, InitProducerIdResponse>({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  read: readInitProducerIdRequest,
  write: writeInitProducerIdResponse,
  size: sizeInitProducerIdResponse,
  async handle(ctx, req) {
    const tc = requireTxnCoordinator(ctx.services);
    const v = ctx.apiVersion;
    if (req.transactionalId !== null && req.transactionalId !== '' && !ctx.services.metadataCache.topic(TRANSACTION_STATE_TOPIC)) {
      try {
        await ctx.services.topicAdmin.ensureTransactionStateTopic();
      } catch (e) {
        ctx.log.warn({ err: e }, 'creating __transaction_state failed');
        return { ...defaultInitProducerIdResponse(), errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1n, producerEpoch: -1 };
      }
    }
    const r = await tc.handleInitProducerId({
      transactionalId: req.transactionalId,
      transactionTimeoutMs: req.transactionTimeoutMs,
      producerId: v >= 3 ? req.producerId : -1n,
      producerEpoch: v >= 3 ? req.producerEpoch : -1,
    });
    return { ...defaultInitProducerIdResponse(), errorCode: fencedForVersion(r.errorCode, v, 4), producerId: r.producerId, producerEpoch: r.producerEpoch };
  },
  errorResponse(_req, code) {
    return { ...defaultInitProducerIdResponse(), errorCode: code, producerId: -1n, producerEpoch: -1 };
  },
});
