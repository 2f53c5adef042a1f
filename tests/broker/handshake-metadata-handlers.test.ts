/**
 * Unit tests of the separable parts of the metadata / handshake answers: the authorized-operation
 * bit fields, KIP-511 software name validation, DescribeCluster's controller id, and
 * DescribeLogDirs per log dir (each dir once, a dir whose file system cannot be read).
 */
import os from 'os';
import path from 'path';
import { ErrorCode } from '../../protocol/errors';
import { defaultApiVersionsRequest } from '../../protocol/generated/api-versions-request';
import { defaultDescribeClusterRequest } from '../../protocol/generated/describe-cluster-request';
import type { DescribeClusterResponse } from '../../protocol/generated/describe-cluster-response';
import type { DescribeLogDirsResponse } from '../../protocol/generated/describe-log-dirs-response';
import { AclOperation, CLUSTER_OPERATIONS, GROUP_OPERATIONS, operationsBitField, TOPIC_OPERATIONS } from '../../broker/handlers/authorized-operations';
import { isValidApiVersionsRequest } from '../../broker/handlers/18-api-versions';
import { describeClusterHandler } from '../../broker/handlers/60-describe-cluster';
import { describeLogDirsHandler } from '../../broker/handlers/35-describe-log-dirs';
import type { HandlerContext } from '../../broker/handlers/define-handler';

const silent = { warn: () => undefined, error: () => undefined, info: () => undefined, debug: () => undefined };

function ctxWith(services: object, apiVersion = 1): HandlerContext {
  return { apiKey: 0, apiVersion, correlationId: 1, clientId: 't', connectionId: 1, peer: '127.0.0.1:1', listener: 'PLAINTEXT', log: silent, receivedAtMs: 0, services } as unknown as HandlerContext;
}

describe('Broker > metadata and handshake handlers', () => {
  it('authorized operations are the bit fields of every operation of the resource type (Kafka AclEntry.supportedOperations)', () => {
    expect(operationsBitField([AclOperation.READ, AclOperation.DESCRIBE])).toBe((1 << 3) | (1 << 8));
    expect(TOPIC_OPERATIONS).toBe(3576);
    expect(GROUP_OPERATIONS).toBe(328);
    expect(CLUSTER_OPERATIONS).toBe(8096);
  });

  it('ApiVersions: client software name and version follow KIP-511 from v3; below v3 everything is valid', () => {
    const req = (n: string, v: string) => ({ ...defaultApiVersionsRequest(), clientSoftwareName: n, clientSoftwareVersion: v });
    for (const [n, v] of [['apache-kafka-java', '3.9.0'], ['a', '1'], ['librdkafka', '2.3.0-RC1'], ['x.y-z', '0']]) expect(isValidApiVersionsRequest(3, req(n!, v!))).toBe(true);
    for (const [n, v] of [['', '1'], ['a', ''], ['-a', '1'], ['a-', '1'], ['a b', '1'], ['a_b', '1'], ['a', '1+2'], ['é', '1']]) expect(isValidApiVersionsRequest(4, req(n!, v!))).toBe(false);
    expect(isValidApiVersionsRequest(2, req('', ''))).toBe(true);
  });

  it('DescribeCluster: controllerId -1 when the cached controller is not among the listed brokers', async () => {
    const cache = (controllerId: number) => ({ clusterId: 'cid', controllerId, brokers: () => [{ nodeId: 1, host: 'h', port: 9092, rack: null }] });
    const ask = async (controllerId: number) => (await describeClusterHandler.handle(ctxWith({ metadataCache: cache(controllerId) }), defaultDescribeClusterRequest())) as DescribeClusterResponse;
    expect(await ask(1)).toMatchObject({ clusterId: 'cid', controllerId: 1, brokers: [{ brokerId: 1 }] });
    expect((await ask(7)).controllerId).toBe(-1);
  });

  it('DescribeLogDirs: each configured dir once (absolute); a dir whose file system cannot be read answers UNKNOWN_SERVER_ERROR', async () => {
    const tmp = os.tmpdir();
    const missing = path.join(tmp, `gregor-no-such-dir-${process.pid}`);
    const services = { config: { logDirs: [tmp, `${tmp}/`, missing] }, replicaManager: { allPartitions: () => [] } };
    const r = (await describeLogDirsHandler.handle(ctxWith(services, 4), { topics: null })) as DescribeLogDirsResponse;
    expect(r.results.map((d) => [d.logDir, d.errorCode])).toEqual([
      [path.resolve(tmp), ErrorCode.NONE],
      [missing, ErrorCode.UNKNOWN_SERVER_ERROR],
    ]);
    expect(r.results[0]!.totalBytes).toBeGreaterThan(0n);
    expect(r.results[1]).toMatchObject({ topics: [], totalBytes: -1n, usableBytes: -1n });
  });
});
