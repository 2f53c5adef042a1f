/**
 * The write queue of one Log. Appends arrive with their segment and byte position already
 * assigned (in call order); the queue writes them in that order, coalescing the appends that
 * wait while a write is in flight into one positional writev (group commit), and
 * acknowledges each append only after its bytes and those of every earlier append are in the
 * file. A roll marker between appends lets the host finalize the previous segment once all
 * of its writes have landed.
 */
import { ErrorCode, KafkaError } from '../protocol/errors';
import { LogSegment } from './log-segment';
import { LogAppendInfo } from './types';

export interface AppendJob {
  segment: LogSegment;
  /** Byte position of `buf` in the segment's .log file. */
  position: number;
  buf: Buffer;
  /** Log end offset once this append is written. */
  endOffset: bigint;
  records: number;
  info: LogAppendInfo;
  resolve: (i: LogAppendInfo) => void;
  reject: (e: unknown) => void;
}

interface RollMarker {
  roll: true;
  segment: LogSegment;
  newBase: bigint;
}

export interface AppendQueueHost {
  /** After `jobs` (one segment, contiguous) are written, before they are acknowledged (flush policy). */
  afterWrite(segment: LogSegment, jobs: readonly AppendJob[]): Promise<void>;
  /** `job` is acknowledged: its bytes may now be read. Called in append order. */
  acknowledged(job: AppendJob): void;
  /** Every write to `segment` has landed; `newBase` is the active segment's base. */
  rolled(segment: LogSegment, newBase: bigint): void;
  /** Turns a write error into the error every later append gets. */
  failed(e: unknown): KafkaError;
}

/** Linux IOV_MAX: most buffers one writev accepts. */
const IOV_MAX = 1024;

export class AppendQueue {
  private queue: (AppendJob | RollMarker)[] = [];
  private writing = false;
  private idleWaiters: (() => void)[] = [];
  /** Set by the first write error: the log is offline from then on. */
  failure: KafkaError | null = null;

  constructor(private readonly host: AppendQueueHost) {}

  push(job: AppendJob): void {
    this.queue.push(job);
    this.pump();
  }

  pushRoll(segment: LogSegment, newBase: bigint): void {
    this.queue.push({ roll: true, segment, newBase });
  }

  /** Resolves when every queued append has been written (or failed). */
  idle(): Promise<void> {
    if (!this.writing && this.queue.length === 0) return Promise.resolve();
    return new Promise((res) => this.idleWaiters.push(res));
  }

  private pump(): void {
    if (this.writing || this.queue.length === 0) return;
    this.writing = true;
    void this.drain();
  }

  /**
   * Takes the appends at the head of the queue (one segment, at most IOV_MAX) and issues
   * their write. Roll markers before them are handled first (all earlier writes landed).
   */
  private startNext(): InFlight | null {
    while (this.queue.length > 0 && 'roll' in this.queue[0]!) {
      const r = this.queue.shift() as RollMarker;
      this.host.rolled(r.segment, r.newBase);
    }
    if (this.queue.length === 0) return null;
    const head = this.queue[0] as AppendJob;
    let n = 1;
    while (n < this.queue.length && n < IOV_MAX) {
      const j = this.queue[n]!;
      if ('roll' in j || j.segment !== head.segment) break;
      n++;
    }
    const jobs = this.queue.splice(0, n) as AppendJob[];
    const done = this.failure
      ? Promise.reject(this.failure)
      : head.segment.log.writeAt(
          jobs.map((j) => j.buf),
          head.position,
        );
    return { jobs, segment: head.segment, done };
  }

  /**
   * Write loop. The next write is issued before the previous appends are acknowledged, so
   * the callers' continuations (e.g. validating their next batch) overlap it.
   */
  private async drain(): Promise<void> {
    let current = this.startNext();
    while (current) {
      try {
        await current.done;
        await this.host.afterWrite(current.segment, current.jobs);
      } catch (e) {
        if (!this.failure) this.failure = e instanceof KafkaError ? e : this.host.failed(e);
        for (const j of current.jobs) j.reject(this.failure);
        for (const j of this.queue.splice(0)) if (!('roll' in j)) j.reject(this.failure);
        break;
      }
      const next = this.startNext();
      for (const j of current.jobs) {
        this.host.acknowledged(j);
        j.resolve(j.info);
      }
      current = next;
    }
    this.writing = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

interface InFlight {
  jobs: AppendJob[];
  segment: LogSegment;
  done: Promise<void>;
}

export function storageError(tp: string, e: unknown): KafkaError {
  return new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `write to ${tp} failed: ${(e as Error)?.message ?? String(e)}`);
}
