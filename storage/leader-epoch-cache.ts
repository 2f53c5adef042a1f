/**
 * Leader epoch -> start offset history of one partition (Kafka's LeaderEpochFileCache),
 * persisted as `leader-epoch-checkpoint` (`<epoch> <startOffset>` lines).
 *
 * Invariant: epochs and start offsets both strictly increase.
 */
import * as path from 'path';
import { formatCheckpoint, readCheckpointFile, writeFileAtomic } from './checkpoint-file';
import { LEADER_EPOCH_CHECKPOINT } from './log-file-names';

export interface EpochEntry {
  epoch: number;
  startOffset: bigint;
}

export class LeaderEpochCache {
  private entries: EpochEntry[] = [];
  private writing: Promise<void> = Promise.resolve();
  /** True when entries changed since the last persist() was started. */
  private dirty = false;

  constructor(readonly dir: string) {}

  get file(): string {
    return path.join(this.dir, LEADER_EPOCH_CHECKPOINT);
  }

  /** Loads the checkpoint; a missing or malformed file leaves the cache empty. */
  async load(): Promise<void> {
    try {
      const rows = await readCheckpointFile(this.file, 2);
      this.entries = rows.map(([e, o]) => ({ epoch: Number(e), startOffset: BigInt(o!) }));
    } catch {
      this.entries = [];
    }
  }

  all(): readonly EpochEntry[] {
    return this.entries;
  }

  latestEpoch(): number | null {
    const last = this.entries[this.entries.length - 1];
    return last ? last.epoch : null;
  }

  /**
   * Records that `epoch` starts at `startOffset`. Ignored unless epoch is newer than the
   * latest; older entries with start offsets >= startOffset are dropped (Kafka's assign).
   * Returns true when the cache changed (then the caller persists it).
   */
  assign(epoch: number, startOffset: bigint): boolean {
    if (epoch < 0) return false;
    const last = this.entries[this.entries.length - 1];
    if (last && epoch <= last.epoch) return false;
    while (this.entries.length > 0 && this.entries[this.entries.length - 1]!.startOffset >= startOffset) this.entries.pop();
    this.entries.push({ epoch, startOffset });
    this.dirty = true;
    return true;
  }

  /** Epoch of the batch at `offset` (largest entry with startOffset <= offset), or -1. */
  epochForOffset(offset: bigint): number {
    let e = -1;
    for (const x of this.entries) {
      if (x.startOffset <= offset) e = x.epoch;
      else break;
    }
    return e;
  }

  /**
   * Kafka's endOffsetFor: the largest epoch <= requested and the start offset of the first
   * epoch after it (or the log end offset when requested is the latest epoch). null means
   * "undefined" (Kafka's UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET): no entries, requested epoch
   * is negative, or it is newer than the latest epoch.
   */
  endOffsetFor(requested: number, logEndOffset: bigint): { epoch: number; endOffset: bigint } | null {
    if (requested < 0 || this.entries.length === 0) return null;
    const latest = this.entries[this.entries.length - 1]!;
    if (requested === latest.epoch) return { epoch: requested, endOffset: logEndOffset };
    const higher = this.entries.find((x) => x.epoch > requested);
    if (!higher) return null;
    let floor: EpochEntry | undefined;
    for (const x of this.entries) if (x.epoch <= requested) floor = x;
    if (!floor) return { epoch: requested, endOffset: higher.startOffset };
    return { epoch: floor.epoch, endOffset: higher.startOffset };
  }

  /** Removes entries starting at or after `endOffset` (log truncated to endOffset). */
  truncateFromEnd(endOffset: bigint): boolean {
    const n = this.entries.length;
    this.entries = this.entries.filter((x) => x.startOffset < endOffset);
    if (this.entries.length !== n) this.dirty = true;
    return this.entries.length !== n;
  }

  /**
   * The log now starts at `startOffset`: entries before it are removed, except the latest of
   * them, whose start moves up to `startOffset` (Kafka's truncateFromStart).
   */
  truncateFromStart(startOffset: bigint): boolean {
    let lastBefore = -1;
    for (let i = 0; i < this.entries.length; i++) if (this.entries[i]!.startOffset <= startOffset) lastBefore = i;
    if (lastBefore < 0) return false;
    const e = this.entries[lastBefore]!;
    if (lastBefore === 0 && e.startOffset === startOffset) return false;
    this.entries = [{ epoch: e.epoch, startOffset }, ...this.entries.slice(lastBefore + 1)];
    this.dirty = true;
    return true;
  }

  clear(): void {
    this.entries = [];
    this.dirty = true;
  }

  /**
   * Persists the current entries atomically when they changed since the last call (else
   * waits for the write in progress); calls are serialized.
   */
  persist(): Promise<void> {
    if (!this.dirty) return this.writing.catch(() => undefined);
    this.dirty = false;
    const snapshot = formatCheckpoint(this.entries.map((x) => [x.epoch, x.startOffset]));
    this.writing = this.writing
      .catch(() => undefined)
      .then(() => writeFileAtomic(this.file, snapshot))
      .catch((e) => {
        this.dirty = true; // retried by the next persist()
        throw e;
      });
    return this.writing;
  }
}
