/**
 * Asks one broker for cluster metadata over the wire (Metadata v12, Gregor's own codecs through
 * the inter-broker client), as any client would: which brokers it knows, which one it names
 * controller, and per partition the leader, leader epoch, replicas and ISR. Each call opens
 * one connection and closes it; a broker that does not answer within timeoutMs (default 5000)
 * rejects the call (a SIGSTOPped broker accepts the TCP connection in the kernel but answers
 * nothing).
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { defaultMetadataRequest, type MetadataRequest } from '../../protocol/generated/metadata-request';
import type { MetadataResponse } from '../../protocol/generated/metadata-response';
import { InterBrokerClient } from '../../replication/inter-broker-client';

const METADATA_VERSION = 12;

/** Metadata of `topics` (null: every topic) as broker host:port sees it. Never auto-creates. */
export async function probeMetadata(host: string, port: number, topics: readonly string[] | null = null, timeoutMs = 5000): Promise<MetadataResponse> {
  const client = new InterBrokerClient({ host, port, clientId: 'gregor-dev-cluster', requestTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs });
  const req: MetadataRequest = {
    ...defaultMetadataRequest(),
    topics: topics === null ? null : topics.map((name) => ({ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name })),
    allowAutoTopicCreation: false,
  };
  try {
    return await client.request<MetadataResponse>(ApiKey.Metadata, METADATA_VERSION, req, timeoutMs);
  } finally {
    client.close();
  }
}
