/**
 * Incremental fetch sessions (KIP-227): a bounded cache of sessions, each remembering the
 * partitions a client fetches and what it was last told about each (HW, LSO, log start), so
 * incremental requests list only changed partitions and responses only changed ones.
 *
 * Session protocol (request sessionId / sessionEpoch):
 *   Case A: epoch -1 (FINAL): close sessionId if set; answer a sessionless full fetch (sessionId 0).
 *   Case B: epoch 0 (INITIAL): close sessionId if set; full fetch; create a session when a slot
 *           is free (evicting the least recently used), answer its id (0 if none).
 *   Case C: epoch > 0: incremental on sessionId. Unknown id -> FETCH_SESSION_ID_NOT_FOUND;
 *           epoch != expected -> INVALID_FETCH_SESSION_EPOCH. Otherwise the request's
 *           partitions are added/updated, forgotten ones removed, and the expected epoch advances.
 * Bounded: at most `maxSlots` sessions (max.incremental.fetch.session.cache.slots).
 */
import { randomInt } from 'crypto';
import type { Clock } from '../../storage/clock';

export interface SessionPartition {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: bigint;
  maxBytes: number;
  currentLeaderEpoch: number;
  /** Epoch of the last batch the fetcher holds (Fetch v12+), -1 when unknown. */
  lastFetchedEpoch: number;
  /** What the client was last told; -2n = never. */
  lastHighWatermark: bigint;
  lastStableOffset: bigint;
  lastLogStartOffset: bigint;
}

export class FetchSession {
  /** The epoch the next incremental request must carry. */
  nextEpoch = 1;
  lastUsedMs: number;
  readonly partitions = new Map<string, SessionPartition>();

  constructor(readonly id: number, nowMs: number) {
    this.lastUsedMs = nowMs;
  }
}

export const sessionKey = (topicIdOrName: string, partition: number): string => `${topicIdOrName}:${partition}`;

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  evictions = 0;

  constructor(
    private readonly maxSlots: number,
    private readonly clock: Clock,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: number): FetchSession | undefined {
    const s = this.sessions.get(id);
    if (s) {
      // Re-insert: Map order is least-recently-used first.
      this.sessions.delete(id);
      this.sessions.set(id, s);
      s.lastUsedMs = this.clock.now();
    }
    return s;
  }

  remove(id: number): void {
    this.sessions.delete(id);
  }

  /** A new session with the given partitions, or undefined when sessions are disabled. */
  create(partitions: ReadonlyMap<string, SessionPartition>): FetchSession | undefined {
    if (this.maxSlots <= 0) return undefined;
    while (this.sessions.size >= this.maxSlots) {
      const oldest = this.sessions.keys().next().value as number;
      this.sessions.delete(oldest);
      this.evictions++;
    }
    let id = 0;
    while (id === 0 || this.sessions.has(id)) id = randomInt(1, 2 ** 31 - 1);
    const s = new FetchSession(id, this.clock.now());
    for (const [k, p] of partitions) s.partitions.set(k, p);
    this.sessions.set(id, s);
    return s;
  }
}
