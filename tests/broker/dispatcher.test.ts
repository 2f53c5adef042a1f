import pino from 'pino';
import { Dispatcher } from '../../broker/network/dispatcher';
import type { ConnectionInfo, DispatchResult } from '../../broker/network/connection';
import { defineHandler, type BrokerServices } from '../../broker/handlers/define-handler';
import { apiVersionsHandler } from '../../broker/handlers/18-api-versions';
import { apiVersionsOf } from '../../broker/handlers';
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readApiVersionsResponse } from '../../protocol/generated/api-versions-response';
import { defaultDescribeClusterRequest, readDescribeClusterRequest, sizeDescribeClusterRequest, writeDescribeClusterRequest, type DescribeClusterRequest } from '../../protocol/generated/describe-cluster-request';
import { defaultDescribeClusterResponse, readDescribeClusterResponse, sizeDescribeClusterResponse, writeDescribeClusterResponse, type DescribeClusterResponse } from '../../protocol/generated/describe-cluster-response';
import { sizeRequestHeader, writeRequestHeader } from '../../protocol/generated/request-header';
import { defaultApiVersionsRequest, sizeApiVersionsRequest, writeApiVersionsRequest } from '../../protocol/generated/api-versions-request';
import { Reader } from '../../protocol/primitives/reader';
import { Writer } from '../../protocol/primitives/writer';
import { systemClock } from '../../storage/clock';

const log = pino({ level: 'silent' });
const conn: ConnectionInfo = { id: 1, peer: '127.0.0.1:1', listener: 'PLAINTEXT', log };

/** DescribeCluster served at v1 only, so v0 exercises UNSUPPORTED_VERSION; 'boom' paths test failures. */
let behaviour: 'ok' | 'kafka-error' | 'crash' = 'ok';
const testHandler = defineHandler<DescribeClusterRequest, DescribeClusterResponse>({
  apiKey: ApiKey.DescribeCluster,
  minVersion: 1,
  maxVersion: 1,
  read: readDescribeClusterRequest,
  write: writeDescribeClusterResponse,
  size: sizeDescribeClusterResponse,
  async handle() {
    if (behaviour === 'kafka-error') throw new KafkaError(ErrorCode.NOT_CONTROLLER);
    if (behaviour === 'crash') throw new Error('bug');
    return { ...defaultDescribeClusterResponse(), clusterId: 'c1', controllerId: 7 };
  },
  errorResponse(_req, code) {
    return { ...defaultDescribeClusterResponse(), errorCode: code };
  },
});

const handlers = [apiVersionsHandler, testHandler];
const services = { apiVersions: apiVersionsOf(handlers) } as unknown as BrokerServices;
const dispatcher = new Dispatcher(handlers, services, systemClock);

function request(apiKey: number, version: number, headerVersion: number, body: (w: Writer) => void, bodySize: number): Buffer {
  const header = { requestApiKey: apiKey, requestApiVersion: version, correlationId: 42, clientId: 'test' };
  const w = new Writer(sizeRequestHeader(header, headerVersion) + bodySize);
  writeRequestHeader(w, header, headerVersion);
  body(w);
  return w.finishConcat();
}

async function run(frame: Buffer): Promise<DispatchResult> {
  return dispatcher.handleFrame(frame, conn);
}

function body(res: DispatchResult, headerBytes: number): Reader {
  if (res.kind !== 'response') throw new Error(`expected a response, got ${res.kind}`);
  const buf = Buffer.concat(res.chunks as Buffer[]);
  expect(buf.readInt32BE(0)).toBe(buf.length - 4);
  expect(buf.readInt32BE(4)).toBe(42);
  return new Reader(buf, 4 + headerBytes);
}

describe('Broker > dispatcher', () => {
  it('answers ApiVersions v3 from the registry with response header v0', async () => {
    const req = { ...defaultApiVersionsRequest(), clientSoftwareName: 'x', clientSoftwareVersion: '1' };
    const res = await run(request(ApiKey.ApiVersions, 3, 2, (w) => writeApiVersionsRequest(w, req, 3), sizeApiVersionsRequest(req, 3)));
    const resp = readApiVersionsResponse(body(res, 4), 3);
    expect(resp.errorCode).toBe(0);
    expect(resp.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion])).toEqual([[18, 0, 4], [60, 1, 1]]);
  });

  it('answers ApiVersions above its max at v0 with UNSUPPORTED_VERSION and its own range only (KIP-511, Kafka getErrorResponse)', async () => {
    const res = await run(request(ApiKey.ApiVersions, 99, 2, () => undefined, 0));
    const resp = readApiVersionsResponse(body(res, 4), 0);
    expect(resp.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(resp.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion])).toEqual([[18, 0, 4]]);
  });

  it('answers ApiVersions v3 with an invalid client software name INVALID_REQUEST and no keys', async () => {
    const req = { ...defaultApiVersionsRequest(), clientSoftwareName: 'bad name', clientSoftwareVersion: '1' };
    const res = await run(request(ApiKey.ApiVersions, 3, 2, (w) => writeApiVersionsRequest(w, req, 3), sizeApiVersionsRequest(req, 3)));
    const resp = readApiVersionsResponse(body(res, 4), 3);
    expect(resp).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, apiKeys: [] });
  });

  it('answers a version Kafka defines but the handler does not serve with UNSUPPORTED_VERSION', async () => {
    const req = defaultDescribeClusterRequest();
    const res = await run(request(ApiKey.DescribeCluster, 0, 2, (w) => writeDescribeClusterRequest(w, req, 0), sizeDescribeClusterRequest(req, 0)));
    expect(readDescribeClusterResponse(body(res, 5), 0).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('turns handler errors into error responses: KafkaError code, else UNKNOWN_SERVER_ERROR', async () => {
    const req = defaultDescribeClusterRequest();
    const frame = request(ApiKey.DescribeCluster, 1, 2, (w) => writeDescribeClusterRequest(w, req, 1), sizeDescribeClusterRequest(req, 1));
    behaviour = 'ok';
    expect(readDescribeClusterResponse(body(await run(frame), 5), 1).controllerId).toBe(7);
    behaviour = 'kafka-error';
    expect(readDescribeClusterResponse(body(await run(frame), 5), 1).errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    behaviour = 'crash';
    expect(readDescribeClusterResponse(body(await run(frame), 5), 1).errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    behaviour = 'ok';
  });

  it.each([
    ['an unknown API key', request(999, 0, 1, () => undefined, 0), /unknown API key 999/],
    ['an API without a handler', request(ApiKey.Produce, 7, 1, () => undefined, 0), /Produce .*not supported/],
    ['a version outside Kafka\'s range', request(ApiKey.DescribeCluster, 9, 2, () => undefined, 0), /outside the versions Kafka defines/],
    ['a truncated header', Buffer.from([0, 18, 0]), /shorter than a request header/],
    ['garbage after a valid header', Buffer.concat([request(ApiKey.DescribeCluster, 1, 2, () => undefined, 0), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]), /malformed DescribeCluster v1/],
    ['trailing bytes after a valid body', Buffer.concat([request(ApiKey.DescribeCluster, 1, 2, (w) => writeDescribeClusterRequest(w, defaultDescribeClusterRequest(), 1), sizeDescribeClusterRequest(defaultDescribeClusterRequest(), 1)), Buffer.from([1, 2, 3])]), /3 unexpected bytes/],
  ])('closes the connection for %s', async (_name, frame, reason) => {
    const res = await run(frame);
    expect(res.kind).toBe('close');
    expect((res as { reason: string }).reason).toMatch(reason);
  });
});
