/**
 * DescribeLogDirs: v0-4
 *
 * Behavior:
 * * For each log dir: the partitions stored there (all, or the requested topics/partitions) with
 *   their size in bytes and offset lag (0: the leader's own log); totalBytes/usableBytes -1
 *   (not measured).
 *
 * Version notes:
 * * v2: flexible   * v3: top-level errorCode   * v4: totalBytes, usableBytes
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { readDescribeLogDirsRequest, type DescribeLogDirsRequest } from '../../protocol/generated/describe-log-dirs-request';
import {
  defaultDescribeLogDirsPartition,
  defaultDescribeLogDirsResponse,
  defaultDescribeLogDirsResult,
  sizeDescribeLogDirsResponse,
  writeDescribeLogDirsResponse,
  type DescribeLogDirsResponse,
  type DescribeLogDirsTopic,
} from '../../protocol/generated/describe-log-dirs-response';
import { defineHandler } from './define-handler';

export const describeLogDirsHandler = defineHandler<DescribeLogDirsRequest, DescribeLogDirsResponse>({
  apiKey: ApiKey.DescribeLogDirs,
  minVersion: 0,
  maxVersion: 4,
  read: readDescribeLogDirsRequest,
  write: writeDescribeLogDirsResponse,
  size: sizeDescribeLogDirsResponse,
  handle(ctx, req) {
    const rm = ctx.services.replicaManager;
    const wanted = req.topics === null ? null : new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)]));
    const byDir = new Map<string, Map<string, DescribeLogDirsTopic>>();
    for (const dir of ctx.services.config.logDirs) byDir.set(dir, new Map());
    for (const p of rm.allPartitions()) {
      if (wanted && !wanted.get(p.topic)?.has(p.partition)) continue;
      const dir = rm.logManager.logDirOf(p.log);
      let topics = byDir.get(dir);
      if (!topics) byDir.set(dir, (topics = new Map()));
      let t = topics.get(p.topic);
      if (!t) topics.set(p.topic, (t = { name: p.topic, partitions: [] }));
      t.partitions.push({ ...defaultDescribeLogDirsPartition(), partitionIndex: p.partition, partitionSize: BigInt(p.log.size()), offsetLag: 0n, isFutureKey: false });
    }
    return {
      ...defaultDescribeLogDirsResponse(),
      results: [...byDir].map(([logDir, topics]) => ({ ...defaultDescribeLogDirsResult(), errorCode: 0, logDir, topics: [...topics.values()], totalBytes: -1n, usableBytes: -1n })),
    };
  },
  errorResponse(_req, code, ctx) {
    return { ...defaultDescribeLogDirsResponse(), errorCode: ctx.apiVersion >= 3 ? code : 0, results: [] };
  },
});
