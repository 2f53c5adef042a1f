/**
 * PartitionFetchState: what one replica fetcher knows of one of its partitions (Kafka's
 * PartitionFetchState). Phases:
 *
 *   truncating --(epoch round done)--> fetching
 *        ^                                 |
 *        +--- re-added with a new leader epoch (a new state object)
 *
 * and, orthogonal to the phase, `delayed` until a clock time after an error (back-off); a
 * delayed partition is left out of every request until then and keeps its phase.
 *
 * Invariants:
 * - The fetch offset is always the replica's log end offset (read when a request is built).
 * - The leader epoch sent as currentLeaderEpoch is the one the replica had when it was added.
 * - Log operations (append, truncation) of a partition run one at a time through run(), in a
 *   chain that survives moves between fetchers (the new state inherits the old chain).
 * - Once deactivate() was called no operation starts; the promise it returns settles when the
 *   operation running at that moment (if any) has finished. That is the fencing guarantee
 *   removeFetcherForPartitions gives the broker.
 */
import type { FollowerReplica } from './follower-replica';
import { partitionKey } from './types';

export type FetchPhase = 'truncating' | 'fetching';

export type RunResult<T> = { ran: true; value: T } | { ran: false };

const noop = (): void => undefined;

export class PartitionFetchState {
  phase: FetchPhase = 'truncating';
  /** Clock time (ms) before which the partition is not fetched; 0 = never delayed. */
  private delayedUntil = 0;
  /** Settles after the last log operation queued so far (never rejects). */
  private tail: Promise<void>;
  private active = true;
  /** The trouble last logged at full level, so a repeating error is logged once. */
  private trouble: string | null = null;
  readonly key: string;

  constructor(
    readonly replica: FollowerReplica,
    /** The replica's leader epoch when it was added. */
    readonly currentLeaderEpoch: number,
    /** The operation chain of this partition's previous state (another fetcher, an older epoch). */
    inherited: Promise<void> = Promise.resolve(),
  ) {
    this.key = partitionKey(replica.topic, replica.partition);
    this.tail = inherited;
  }

  get isActive(): boolean {
    return this.active;
  }

  isDelayed(now: number): boolean {
    return this.delayedUntil > now;
  }

  /** Milliseconds left of the back-off (0 when not delayed). */
  delayLeft(now: number): number {
    return this.delayedUntil > now ? this.delayedUntil - now : 0;
  }

  /** Starts a back-off of `ms` unless one is already running (Kafka's delayPartitions). */
  delay(now: number, ms: number): void {
    if (!this.isDelayed(now)) this.delayedUntil = now + ms;
  }

  /**
   * Runs `fn` after every operation queued before it, unless the state was deactivated by
   * then ({ran: false}). Rejects with fn's error.
   */
  run<T>(fn: () => Promise<T>): Promise<RunResult<T>> {
    const p = this.tail.then(async (): Promise<RunResult<T>> => (this.active ? { ran: true, value: await fn() } : { ran: false }));
    this.tail = p.then(noop, noop);
    return p;
  }

  /** No operation starts after this; resolves when the running one (if any) is over. */
  deactivate(): Promise<void> {
    this.active = false;
    return this.tail;
  }

  /** Records a trouble; true when it differs from the last one (log it loudly), false for a repeat. */
  noteTrouble(what: string): boolean {
    if (this.trouble === what) return false;
    this.trouble = what;
    return true;
  }

  clearTrouble(): void {
    this.trouble = null;
  }
}
