/**
 * Protocol codec benchmark (run: npx tsx bench/protocol-codec.ts, or compiled with node).
 * - Produce request decode (header + body) with one 1 MiB records field: records stay a
 *   subarray of the frame, so the cost must not depend on the records size (target < 10 µs).
 * - Fetch response encode for 100 partitions x 1 MiB: record buffers are passed through as
 *   separate chunks, never concatenated (target < 50 µs).
 * Prints a markdown table; times are per operation (mean and median over batches).
 */
import { ApiKey } from '../protocol/generated/api-keys';
import { decodeRequestHeader, decodeRequestBody, encodeRequest, encodeResponse } from '../protocol/header';
import { defaultProduceRequest, ProduceRequest } from '../protocol/generated/produce-request';
import { defaultFetchResponse, defaultPartitionData, FetchResponse, PartitionData } from '../protocol/generated/fetch-response';
import { chunksLength } from '../protocol/primitives/writer';

const MIB = 1024 * 1024;

interface Result {
  name: string;
  meanUs: number;
  medianUs: number;
  targetUs: number;
}

/** Runs fn in batches until about budgetMs elapsed; returns per-op mean and median in µs. */
function measure(name: string, targetUs: number, fn: () => void, budgetMs = 1500): Result {
  for (let i = 0; i < 2000; i++) fn(); // warm-up
  const batch = 200;
  const samples: number[] = [];
  const deadline = performance.now() + budgetMs;
  while (performance.now() < deadline) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1000 / batch);
  }
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { name, meanUs: mean, medianUs: samples[Math.floor(samples.length / 2)] as number, targetUs };
}

function produceFrame(version: number): Buffer {
  const req: ProduceRequest = {
    ...defaultProduceRequest(),
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [{ name: 'bench-topic', partitionData: [{ index: 0, records: Buffer.alloc(MIB, 0x5a) }] }],
  };
  return Buffer.concat(encodeRequest(ApiKey.Produce, version, 1, 'bench-client', req)).subarray(4);
}

function fetchResponse(partitions: number): FetchResponse {
  const parts: PartitionData[] = [];
  for (let i = 0; i < partitions; i++) {
    parts.push({
      ...defaultPartitionData(),
      partitionIndex: i,
      highWatermark: 1_000_000n,
      lastStableOffset: 1_000_000n,
      logStartOffset: 0n,
      abortedTransactions: null,
      records: Buffer.alloc(MIB, i & 0xff),
    });
  }
  return { ...defaultFetchResponse(), responses: [{ topic: 'bench-topic', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: parts }] };
}

export function runProtocolCodecBench(): Result[] {
  const results: Result[] = [];
  let sink = 0;
  for (const v of [3, 9, 11]) {
    const frame = produceFrame(v);
    results.push(
      measure(`Produce v${v} request decode (header + body), 1 MiB records`, 10, () => {
        const h = decodeRequestHeader(frame);
        const req = decodeRequestBody(h) as ProduceRequest;
        sink += req.topicData.length;
      }),
    );
  }
  const resp = fetchResponse(100);
  for (const v of [11, 12, 16]) {
    const chunks = encodeResponse(ApiKey.Fetch, v, 1, resp);
    if (chunks.length < 200 || chunksLength(chunks) < 100 * MIB) throw new Error(`unexpected Fetch v${v} chunking`);
    results.push(
      measure(`Fetch v${v} response encode, 100 partitions x 1 MiB (${chunks.length} chunks)`, 50, () => {
        sink += encodeResponse(ApiKey.Fetch, v, 1, resp).length;
      }),
    );
  }
  if (sink === 0) throw new Error('unreachable');
  return results;
}

export function formatTable(results: Result[]): string {
  const lines = ['| Benchmark | mean (µs/op) | median (µs/op) | target (µs) | within target |', '|---|---:|---:|---:|:---:|'];
  for (const r of results) {
    lines.push(`| ${r.name} | ${r.meanUs.toFixed(2)} | ${r.medianUs.toFixed(2)} | < ${r.targetUs} | ${r.meanUs < r.targetUs ? 'yes' : 'NO'} |`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  process.stdout.write(`${formatTable(runProtocolCodecBench())}\n`);
}
