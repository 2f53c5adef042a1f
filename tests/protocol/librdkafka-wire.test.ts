/**
 * Real-client wire check with librdkafka (via kcat): a minimal in-test server answers
 * ApiVersions and Metadata with our encoders; librdkafka's requests (flexible versions, header
 * v2) must decode with ours, and kcat must print the metadata we encoded.
 * Needs kcat: `apt-get install kcat`.
 */
import { execFile } from 'child_process';
import * as net from 'net';
import { FrameDecoder } from '../../protocol/frame';
import { decodeRequestBody, decodeRequestHeader, encodeResponse } from '../../protocol/header';
import { ApiKey, apiInfo } from '../../protocol/generated/api-keys';
import { defaultApiVersionsResponse } from '../../protocol/generated/api-versions-response';
import * as md from '../../protocol/generated/metadata-response';
import { requireKcat } from '../helpers/require-kcat';


interface Seen {
  apiKey: number;
  apiVersion: number;
  clientId: string | null;
  headerVersion: number;
  body: unknown;
}

function startServer(seen: Seen[]): Promise<net.Server> {
  const server = net.createServer((socket) => {
    const frames = new FrameDecoder(1 << 20);
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      for (const frame of frames.push(chunk)) {
        const h = decodeRequestHeader(frame);
        const body = decodeRequestBody(h);
        expect(h.body.remaining).toBe(0);
        seen.push({ apiKey: h.apiKey, apiVersion: h.apiVersion, clientId: h.clientId, headerVersion: h.headerVersion, body });
        const port = (server.address() as net.AddressInfo).port;
        if (h.apiKey === ApiKey.ApiVersions) {
          const keys = [ApiKey.ApiVersions, ApiKey.Metadata].map((k) => ({
            apiKey: k,
            minVersion: 0,
            maxVersion: (apiInfo(k)?.validVersions.max ?? 0) as number,
          }));
          const version = Math.min(h.apiVersion, 3);
          for (const c of encodeResponse(ApiKey.ApiVersions, version, h.correlationId, { ...defaultApiVersionsResponse(), apiKeys: keys })) socket.write(c);
        } else if (h.apiKey === ApiKey.Metadata) {
          const resp: md.MetadataResponse = {
            ...md.defaultMetadataResponse(),
            brokers: [{ nodeId: 7, host: '127.0.0.1', port, rack: null }],
            clusterId: 'gregor-wire-test',
            controllerId: 7,
            topics: [
              {
                ...md.defaultMetadataResponseTopic(),
                name: 'golden-topic',
                partitions: [{ ...md.defaultMetadataResponsePartition(), partitionIndex: 0, leaderId: 7, replicaNodes: [7], isrNodes: [7] }],
              },
            ],
          };
          for (const c of encodeResponse(ApiKey.Metadata, h.apiVersion, h.correlationId, resp)) socket.write(c);
        } else {
          socket.destroy();
        }
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('Protocol > librdkafka wire', () => {
  it('decodes librdkafka ApiVersions/Metadata requests and kcat reads our responses', async () => {
    requireKcat();
    const seen: Seen[] = [];
    const server = await startServer(seen);
    try {
      const port = (server.address() as net.AddressInfo).port;
      const out = await new Promise<string>((resolve, reject) => {
        execFile('kcat', ['-b', `127.0.0.1:${port}`, '-L', '-J', '-m', '5'], { timeout: 15000 }, (err, stdout, stderr) =>
          err ? reject(new Error(`kcat failed: ${err.message}\n${stderr}`)) : resolve(stdout),
        );
      });
      const meta = JSON.parse(out);
      expect(meta.brokers).toEqual([{ id: 7, name: `127.0.0.1:${port}` }]);
      expect(meta.topics.map((t: { topic: string }) => t.topic)).toEqual(['golden-topic']);
      expect(meta.topics[0].partitions[0]).toMatchObject({ partition: 0, leader: 7, replicas: [{ id: 7 }], isrs: [{ id: 7 }] });

      const apiVersions = seen.find((s) => s.apiKey === ApiKey.ApiVersions);
      expect(apiVersions?.apiVersion).toBeGreaterThanOrEqual(3);
      expect(apiVersions?.headerVersion).toBe(2);
      expect(apiVersions?.body).toMatchObject({ clientSoftwareName: 'librdkafka' });
      const metadata = seen.find((s) => s.apiKey === ApiKey.Metadata);
      expect(metadata).toBeDefined();
      expect(metadata?.clientId).toBe('rdkafka');
    } finally {
      server.close();
    }
  }, 20000);
});
