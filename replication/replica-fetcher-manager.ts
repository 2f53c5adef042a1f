/**
 * ReplicaFetcherManager: which fetcher copies each follower partition (Kafka's
 * AbstractFetcherManager + ReplicaFetcherManager). One fetcher per (leader broker id, fetcher
 * id), fetcher id = abs(31 * javaHash(topic) + partition) % numFetchers.
 *
 * Invariants:
 * - A partition is held by at most one fetcher. Adding it for another leader (or after the
 *   leader's address changed) moves it: the old fetcher lets it go at once and the new one
 *   starts its first log operation only after the old one's running operation finished.
 * - After removeFetcherForPartitions resolves, no append or truncation of those partitions
 *   is running or will start (the broker relies on this before making a follower a leader).
 * - A fetcher left without partitions is shut down and its endpoint (connection) closed.
 */
import type { Clock } from '../storage/clock';
import type { ReplicaFetcherConfig } from './fetch-builder';
import { fetcherIdFor } from './fetcher-id';
import type { FollowerReplica } from './follower-replica';
import type { LeaderEndpoint } from './leader-endpoint';
import { ReplicaFetcher } from './replica-fetcher';
import { partitionKey, type LeaderBroker, type ReplicationLogger, type TopicPartitionRef } from './types';

export interface ReplicaFetcherManagerOptions {
  /** This broker's id (the replica id in every request). */
  brokerId: number;
  /** num.replica.fetchers: fetchers per leader broker (>= 1). */
  numFetchers: number;
  /** A new endpoint (connection) for a new fetcher; the fetcher closes it when it stops. */
  endpointFor: (leader: LeaderBroker, fetcherId: number) => LeaderEndpoint;
  config: ReplicaFetcherConfig;
  clock: Clock;
  logger: ReplicationLogger;
}

export interface FollowerAssignment {
  replica: FollowerReplica;
  leader: LeaderBroker;
}

export class ReplicaFetcherManager {
  /** `<leader id>:<fetcher id>` -> its fetcher. */
  private readonly fetchers = new Map<string, ReplicaFetcher>();
  /** partition key -> the fetcher holding it. */
  private readonly owners = new Map<string, ReplicaFetcher>();
  /** Shutdowns under way (fetchers already out of `fetchers`). */
  private readonly stopping = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly opts: ReplicaFetcherManagerOptions) {
    if (!Number.isInteger(opts.numFetchers) || opts.numFetchers < 1) throw new Error(`numFetchers must be a positive integer, got ${opts.numFetchers}`);
  }

  /** Starts (or moves) fetching of these partitions from their leaders. */
  addFetcherForPartitions(entries: readonly FollowerAssignment[]): void {
    if (this.closed) throw new Error('the replica fetcher manager is shut down');
    const emptied = new Set<ReplicaFetcher>();
    for (const { replica, leader } of entries) {
      const fetcherId = fetcherIdFor(replica.topic, replica.partition, this.opts.numFetchers);
      const target = this.fetcherFor(leader, fetcherId, emptied);
      const key = partitionKey(replica.topic, replica.partition);
      const current = this.owners.get(key);
      let inherited: Promise<void> | undefined;
      if (current !== undefined && current !== target) {
        inherited = current.removePartition(replica.topic, replica.partition) ?? undefined;
        emptied.add(current);
      }
      target.addPartition(replica, inherited);
      this.owners.set(key, target);
    }
    for (const f of emptied) if (f.partitionCount === 0) void this.stopFetcher(f);
    if (entries.length > 0) {
      this.opts.logger.info(
        { partitions: entries.map((e) => `${e.replica.topic}-${e.replica.partition}@${e.leader.brokerId}`) },
        'added partitions to replica fetchers',
      );
    }
  }

  /**
   * Stops fetching these partitions. Resolves when none of their appends or truncations is
   * running; none starts afterwards. Partitions not being fetched are ignored.
   */
  async removeFetcherForPartitions(parts: readonly TopicPartitionRef[]): Promise<void> {
    const waits: Promise<void>[] = [];
    const touched = new Set<ReplicaFetcher>();
    for (const { topic, partition } of parts) {
      const key = partitionKey(topic, partition);
      const f = this.owners.get(key);
      if (!f) continue;
      this.owners.delete(key);
      const tail = f.removePartition(topic, partition);
      if (tail) waits.push(tail);
      touched.add(f);
    }
    for (const f of touched) if (f.partitionCount === 0) waits.push(this.stopFetcher(f));
    if (touched.size > 0) this.opts.logger.info({ partitions: parts.map((p) => `${p.topic}-${p.partition}`) }, 'removed partitions from replica fetchers');
    await Promise.all(waits);
  }

  /** Stops every fetcher; resolves when none of their operations runs. */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const f of [...this.fetchers.values()]) void this.stopFetcher(f);
    this.owners.clear();
    await Promise.all([...this.stopping]);
  }

  /** Running fetchers (tests, metrics). */
  fetcherCount(): number {
    return this.fetchers.size;
  }

  /** Which fetcher holds a partition, or undefined (tests, diagnostics). */
  assignment(topic: string, partition: number): { leaderId: number; fetcherId: number; phase: 'truncating' | 'fetching' } | undefined {
    const f = this.owners.get(partitionKey(topic, partition));
    const phase = f?.phaseOf(topic, partition);
    return f && phase ? { leaderId: f.leader.brokerId, fetcherId: f.fetcherId, phase } : undefined;
  }

  /**
   * The fetcher for (leader, fetcherId), created if missing. A fetcher of that leader id at
   * an old address hands all its partitions to a new one and stops (it is added to `emptied`).
   */
  private fetcherFor(leader: LeaderBroker, fetcherId: number, emptied: Set<ReplicaFetcher>): ReplicaFetcher {
    const key = `${leader.brokerId}:${fetcherId}`;
    const existing = this.fetchers.get(key);
    if (existing && existing.leader.host === leader.host && existing.leader.port === leader.port) return existing;
    const f = new ReplicaFetcher({
      brokerId: this.opts.brokerId,
      fetcherId,
      leader: { brokerId: leader.brokerId, host: leader.host, port: leader.port },
      endpoint: this.opts.endpointFor(leader, fetcherId),
      config: this.opts.config,
      clock: this.opts.clock,
      logger: this.opts.logger,
    });
    this.fetchers.set(key, f);
    if (existing) {
      for (const r of existing.replicas()) {
        f.addPartition(r, existing.removePartition(r.topic, r.partition) ?? undefined);
        this.owners.set(partitionKey(r.topic, r.partition), f);
      }
      emptied.add(existing);
    }
    f.start();
    return f;
  }

  private stopFetcher(f: ReplicaFetcher): Promise<void> {
    const key = `${f.leader.brokerId}:${f.fetcherId}`;
    if (this.fetchers.get(key) === f) this.fetchers.delete(key);
    const p = f.shutdown();
    this.stopping.add(p);
    void p.finally(() => this.stopping.delete(p));
    return p;
  }
}
