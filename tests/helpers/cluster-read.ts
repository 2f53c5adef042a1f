/**
 * Reading a partition back for verification, two ways:
 * - readPartition: as a consumer does, Fetch v12 (read_uncommitted) from the partition's current
 *   leader, from the log start up to the high watermark the leader reports, following leader
 *   changes (re-resolving the leader on any error) until a deadline;
 * - readReplicaFiles: one replica's segment files on disk (`<log.dirs>/<topic>-<p>/*.log`),
 *   every batch decoded, stopping at a torn tail. Used to compare replicas with each other
 *   (truncation after a leader change); page-cache contents are visible, so it works while the
 *   broker runs, within what it has written so far.
 * Records are returned with their values as UTF-8 strings; record keys are ignored.
 */
import fs from 'fs';
import path from 'path';
import { iterateBatches } from '../../protocol/records/batch-iterator';
import { readRecords } from '../../protocol/records/record';
import { ApiKey } from '../../protocol/generated/api-keys';
import { defaultFetchPartition, defaultFetchRequest } from '../../protocol/generated/fetch-request';
import type { FetchResponse } from '../../protocol/generated/fetch-response';
import { InterBrokerClient } from '../../replication/inter-broker-client';
import type { ConsumedRecord } from './ack-counter';
import { sleep, type TestCluster } from './cluster';

const FETCH_VERSION = 12;

function recordsOf(buf: Buffer | null, partition: number, from: bigint, out: ConsumedRecord[]): bigint {
  let next = from;
  if (!buf || buf.length === 0) return next;
  for (const entry of iterateBatches(buf)) {
    if (!entry.view || entry.view.isControl) continue;
    for (const r of readRecords(entry.view)) {
      if (r.offset < next) continue;
      out.push({ partition, offset: r.offset, value: r.value ? r.value.toString('utf8') : '' });
      next = r.offset + 1n;
    }
    next = entry.view.lastOffset + 1n > next ? entry.view.lastOffset + 1n : next;
  }
  return next;
}

/** Every record of `topic`-`partition` below the leader's high watermark. */
export async function readPartition(cluster: TestCluster, topic: string, partition: number, timeoutMs = 30000): Promise<ConsumedRecord[]> {
  const deadline = Date.now() + timeoutMs;
  const out: ConsumedRecord[] = [];
  let offset = 0n;
  let last = 'no fetch yet';
  for (;;) {
    if (Date.now() > deadline) throw new Error(`reading ${topic}-${partition} did not finish within ${timeoutMs} ms at offset ${offset}: ${last}`);
    let leader;
    try {
      leader = cluster.broker((await cluster.leaderOf(topic, partition, Math.max(1000, deadline - Date.now()))).leader);
    } catch (e) {
      last = (e as Error).message;
      continue;
    }
    const client = new InterBrokerClient({ host: leader.host, port: leader.port, clientId: 'cluster-verify', requestTimeoutMs: 5000, connectTimeoutMs: 3000 });
    try {
      for (;;) {
        const r = await client.request<FetchResponse>(ApiKey.Fetch, FETCH_VERSION, {
          ...defaultFetchRequest(),
          maxWaitMs: 0,
          maxBytes: 8 << 20,
          topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ ...defaultFetchPartition(), partition, fetchOffset: offset, partitionMaxBytes: 4 << 20 }] }],
        });
        const p = r.responses[0]?.partitions[0];
        if (!p || r.errorCode !== 0 || p.errorCode !== 0) {
          last = `broker ${leader.id}: fetch error ${r.errorCode}/${p?.errorCode}`;
          // OFFSET_OUT_OF_RANGE at 0 means the log starts later: begin at its start.
          if (p?.errorCode === 1 && offset === 0n && p.logStartOffset > 0n) offset = p.logStartOffset;
          break;
        }
        if (offset >= p.highWatermark) return out;
        const next = recordsOf(p.records as Buffer | null, partition, offset, out);
        if (next === offset) {
          last = `broker ${leader.id}: no progress at offset ${offset} (high watermark ${p.highWatermark})`;
          break;
        }
        offset = next;
      }
    } catch (e) {
      last = (e as Error).message;
    } finally {
      client.close();
    }
    await sleep(200);
  }
}

/** readPartition for partitions 0..partitions-1, concatenated. */
export async function readTopic(cluster: TestCluster, topic: string, partitions: number, timeoutMs = 60000): Promise<ConsumedRecord[]> {
  const all: ConsumedRecord[] = [];
  // Appended one by one: a spread of 100k+ records overflows the call stack.
  for (let p = 0; p < partitions; p++) for (const r of await readPartition(cluster, topic, p, timeoutMs)) all.push(r);
  return all;
}

/** One replica's records of `topic`-`partition` as written in its segment files. */
export function readReplicaFiles(logDir: string, topic: string, partition: number): ConsumedRecord[] {
  const dir = path.join(logDir, `${topic}-${partition}`);
  const segments = fs
    .readdirSync(dir)
    .filter((f) => /^\d{20}\.log$/.test(f))
    .sort();
  const out: ConsumedRecord[] = [];
  let next = 0n;
  for (const s of segments) next = recordsOf(fs.readFileSync(path.join(dir, s)), partition, next, out);
  return out;
}

/** The first difference between two replicas' records, or null when they hold the same offsets and values. */
export function firstDivergence(a: readonly ConsumedRecord[], b: readonly ConsumedRecord[]): string | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y) return `one log ends at index ${i} (lengths ${a.length} and ${b.length}; last offsets ${a.at(-1)?.offset} and ${b.at(-1)?.offset})`;
    if (x.offset !== y.offset || x.value !== y.value) return `index ${i}: offset ${x.offset} '${x.value}' vs offset ${y.offset} '${y.value}'`;
  }
  return null;
}

/**
 * Waits until the segment files of every replica in `brokerIds` hold the same records (no new
 * writes must be arriving), and returns their common record count; throws naming the first
 * divergence after timeoutMs.
 */
export async function waitForIdenticalReplicas(cluster: TestCluster, topic: string, partition: number, brokerIds: readonly number[], timeoutMs = 20000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const logs = brokerIds.map((id) => readReplicaFiles(cluster.broker(id).logDir, topic, partition));
    const diffs = brokerIds.slice(1).map((id, i) => ({ id, d: firstDivergence(logs[0]!, logs[i + 1]!) })).filter((x) => x.d !== null);
    if (diffs.length === 0) return logs[0]!.length;
    if (Date.now() > deadline) {
      throw new Error(`${topic}-${partition}: replicas differ after ${timeoutMs} ms: ${diffs.map((x) => `broker ${brokerIds[0]} vs ${x.id}: ${x.d}`).join('; ')}`);
    }
    await sleep(250);
  }
}
