/**
 * DescribeLogDirs: v0-4
 *
 * Behavior (Kafka 3.9's KafkaApis.handleDescribeLogDirsRequest / ReplicaManager.describeLogDirs):
 * * One result per configured log dir (absolute path, each once), errorCode NONE, with the
 *   partitions stored there: all of them when topics is null, else only those requested. A
 *   topic none of whose requested partitions is stored there is left out (KAFKA-16807), so
 *   unknown topics and partitions are simply absent.
 * * Per partition: its size in bytes (all segments), offsetLag max(HW - log end, 0), always 0
 *   (a replica's HW never passes its log end), isFutureKey false (no future replicas).
 * * totalBytes / usableBytes (v4): the log dir's file system (statfs: all blocks, and blocks
 *   available to an unprivileged writer); a dir whose file system cannot be read answers
 *   UNKNOWN_SERVER_ERROR with no topics. Below v4 the fields are not on the wire.
 *
 * Version notes:
 * * v2: flexible   * v3: top-level errorCode   * v4: totalBytes, usableBytes
 */
import path from 'path';
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readDescribeLogDirsRequest, type DescribeLogDirsRequest } from '../../protocol/generated/describe-log-dirs-request';
import {
  defaultDescribeLogDirsPartition,
  defaultDescribeLogDirsResponse,
  defaultDescribeLogDirsResult,
  sizeDescribeLogDirsResponse,
  writeDescribeLogDirsResponse,
  type DescribeLogDirsResponse,
  type DescribeLogDirsResult,
  type DescribeLogDirsTopic,
} from '../../protocol/generated/describe-log-dirs-response';
import { fsSpaceOf } from '../../storage/fs-util';
import { defineHandler, type HandlerContext } from './define-handler';

/** Partitions stored in each log dir (absolute path -> topic -> entry), filtered by the request. */
function partitionsByDir(ctx: HandlerContext, req: DescribeLogDirsRequest): Map<string, Map<string, DescribeLogDirsTopic>> {
  const rm = ctx.services.replicaManager;
  const wanted = req.topics === null ? null : new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)]));
  const byDir = new Map<string, Map<string, DescribeLogDirsTopic>>();
  for (const p of rm.allPartitions()) {
    if (wanted && !wanted.get(p.topic)?.has(p.partition)) continue;
    const dir = path.resolve(rm.logManager.logDirOf(p.log));
    let topics = byDir.get(dir);
    if (!topics) byDir.set(dir, (topics = new Map()));
    let t = topics.get(p.topic);
    if (!t) topics.set(p.topic, (t = { name: p.topic, partitions: [] }));
    // Kafka's offsetLag is max(HW - log end, 0): 0 here, as a replica's HW never passes its log end.
    t.partitions.push({ ...defaultDescribeLogDirsPartition(), partitionIndex: p.partition, partitionSize: BigInt(p.log.size()), offsetLag: 0n, isFutureKey: false });
  }
  return byDir;
}

async function describeDir(ctx: HandlerContext, logDir: string, topics: readonly DescribeLogDirsTopic[]): Promise<DescribeLogDirsResult> {
  try {
    const space = await fsSpaceOf(logDir);
    return { ...defaultDescribeLogDirsResult(), errorCode: ErrorCode.NONE, logDir, topics: [...topics], totalBytes: space.totalBytes, usableBytes: space.usableBytes };
  } catch (e) {
    ctx.log.warn({ err: e, logDir }, `cannot read the file system of log dir ${logDir}`);
    return { ...defaultDescribeLogDirsResult(), errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, logDir, topics: [] };
  }
}

export const describeLogDirsHandler = defineHandler<DescribeLogDirsRequest, DescribeLogDirsResponse>({
  apiKey: ApiKey.DescribeLogDirs,
  minVersion: 0,
  maxVersion: 4,
  read: readDescribeLogDirsRequest,
  write: writeDescribeLogDirsResponse,
  size: sizeDescribeLogDirsResponse,
  async handle(ctx, req) {
    const byDir = partitionsByDir(ctx, req);
    const dirs = [...new Set(ctx.services.config.logDirs.map((d) => path.resolve(d)))];
    const results = await Promise.all(dirs.map((dir) => describeDir(ctx, dir, [...(byDir.get(dir)?.values() ?? [])])));
    return { ...defaultDescribeLogDirsResponse(), errorCode: ErrorCode.NONE, results };
  },
  errorResponse(_req, code, ctx) {
    return { ...defaultDescribeLogDirsResponse(), errorCode: ctx.apiVersion >= 3 ? code : 0, results: [] };
  },
});
