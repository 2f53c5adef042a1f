/**
 * ElectLeaders: v0-2
 *
 * Behavior:
 * * Admin clients send it to the controller (kafka-leader-election, AdminClient.electLeaders);
 *   any other broker answers NOT_CONTROLLER for every partition, as Kafka's ZooKeeper-mode
 *   brokers do.
 * * electionType 0 elects the preferred replica when it is alive and in the ISR
 *   (ELECTION_NOT_NEEDED when it already leads, PREFERRED_LEADER_NOT_AVAILABLE otherwise);
 *   1 (unclean) elects an ISR member or, failing that, the first live replica, only when the
 *   partition has no live leader (ELECTION_NOT_NEEDED otherwise). topicPartitions null = all.
 *
 * Version notes:
 * * v1: electionType, top-level errorCode   * v2: flexible
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readElectLeadersRequest, type ElectLeadersRequest } from '../../protocol/generated/elect-leaders-request';
import {
  defaultElectLeadersResponse,
  sizeElectLeadersResponse,
  writeElectLeadersResponse,
  type ElectLeadersResponse,
  type ReplicaElectionResult,
} from '../../protocol/generated/elect-leaders-response';
import { defineHandler } from './define-handler';

const PREFERRED = 0;

function grouped(results: readonly { topic: string; partition: number; errorCode: ErrorCode; errorMessage: string | null }[]): ReplicaElectionResult[] {
  const byTopic = new Map<string, ReplicaElectionResult>();
  for (const r of results) {
    let t = byTopic.get(r.topic);
    if (!t) byTopic.set(r.topic, (t = { topic: r.topic, partitionResult: [] }));
    t.partitionResult.push({ partitionId: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage });
  }
  return [...byTopic.values()];
}

export const electLeadersHandler = defineHandler<ElectLeadersRequest, ElectLeadersResponse>({
  apiKey: ApiKey.ElectLeaders,
  minVersion: 0,
  maxVersion: 2,
  read: readElectLeadersRequest,
  write: writeElectLeadersResponse,
  size: sizeElectLeadersResponse,
  async handle(ctx, req) {
    const controller = ctx.services.controller;
    if (!controller?.isActive) throw new KafkaError(ErrorCode.NOT_CONTROLLER);
    const type = ctx.apiVersion >= 1 && req.electionType !== PREFERRED ? 1 : 0;
    const results = await controller.electLeaders(type, req.topicPartitions);
    return { ...defaultElectLeadersResponse(), errorCode: ErrorCode.NONE, replicaElectionResults: grouped(results) };
  },
  errorResponse(req, code) {
    return {
      ...defaultElectLeadersResponse(),
      errorCode: code,
      replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({ topic: t.topic, partitionResult: t.partitions.map((p) => ({ partitionId: p, errorCode: code, errorMessage: null })) })),
    };
  },
});
