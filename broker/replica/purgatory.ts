/**
 * Purgatory: requests that must wait (DelayedProduce, DelayedFetch, the group coordinator's
 * delayed join/heartbeat) without sleeping or polling, after Kafka's DelayedOperationPurgatory.
 *
 * Invariants:
 * - An operation completes exactly once: by tryComplete() returning true after a watched key is
 *   checked, by forceComplete(), or by expiry after `delayMs` on the injected clock.
 * - onComplete() runs exactly once, synchronously inside whichever of those won; onExpiration()
 *   runs just before onComplete() when the timer won.
 * - Completed operations are dropped from every watch list lazily (on the next check of a key)
 *   and eagerly when a key's list is swept, so memory is bounded by pending operations.
 */
import type { Clock } from '../../storage/clock';

export abstract class DelayedOperation {
  private completed = false;
  private timer: unknown = undefined;
  private clock: Clock | undefined;

  constructor(readonly delayMs: number) {}

  get isCompleted(): boolean {
    return this.completed;
  }

  /** Checks whether the operation can complete now; if so calls forceComplete() and returns true. */
  abstract tryComplete(): boolean;
  /** Builds the result; called exactly once. */
  protected abstract onComplete(): void;
  /** Called once when the delay elapsed before completion (before onComplete). */
  protected onExpiration(): void {}

  /** Completes now if not already completed. Returns true if this call completed it. */
  forceComplete(): boolean {
    if (this.completed) return false;
    this.completed = true;
    if (this.timer !== undefined && this.clock) this.clock.clearTimeout(this.timer as never);
    this.timer = undefined;
    this.onComplete();
    return true;
  }

  /** Used by the purgatory only. */
  startTimer(clock: Clock, onExpire: () => void): void {
    this.clock = clock;
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      if (this.completed) return;
      this.completed = true;
      try {
        this.onExpiration();
      } finally {
        this.onComplete();
      }
      onExpire();
    }, Math.max(0, this.delayMs));
  }
}

export class Purgatory<T extends DelayedOperation> {
  private readonly watchers = new Map<string, Set<T>>();
  private pending = 0;
  private expiredCount = 0;

  constructor(readonly name: string, private readonly clock: Clock) {}

  /**
   * Completes `op` at once if it can; otherwise watches it under every key until a check of one
   * of them completes it or its delay elapses. Returns true if it completed immediately.
   */
  tryCompleteElseWatch(op: T, keys: readonly string[]): boolean {
    if (op.tryComplete()) return true;
    if (op.isCompleted) return true;
    for (const key of keys) {
      let set = this.watchers.get(key);
      if (!set) this.watchers.set(key, (set = new Set()));
      set.add(op);
    }
    this.pending++;
    op.startTimer(this.clock, () => {
      this.expiredCount++;
      this.pending--;
      this.unwatch(op, keys);
    });
    return false;
  }

  /** Re-checks every operation watching `key` (call after an append, HW move, member change...). Returns how many completed. */
  checkAndComplete(key: string): number {
    const set = this.watchers.get(key);
    if (!set) return 0;
    let done = 0;
    for (const op of [...set]) {
      if (op.isCompleted) {
        set.delete(op);
        continue;
      }
      if (op.tryComplete() || op.isCompleted) {
        set.delete(op);
        this.pending--;
        done++;
      }
    }
    if (set.size === 0) this.watchers.delete(key);
    return done;
  }

  /** Number of operations waiting (not yet completed or expired). */
  get delayed(): number {
    return this.pending;
  }

  get expired(): number {
    return this.expiredCount;
  }

  /** Number of keys with at least one watcher. */
  get watchedKeys(): number {
    return this.watchers.size;
  }

  /** Completes every waiting operation now (shutdown): each answers with what it has. */
  shutdown(): void {
    const all = new Set<T>();
    for (const set of this.watchers.values()) for (const op of set) all.add(op);
    this.watchers.clear();
    for (const op of all) if (op.forceComplete()) this.pending--;
  }

  private unwatch(op: T, keys: readonly string[]): void {
    for (const key of keys) {
      const set = this.watchers.get(key);
      if (!set) continue;
      set.delete(op);
      if (set.size === 0) this.watchers.delete(key);
    }
  }
}
