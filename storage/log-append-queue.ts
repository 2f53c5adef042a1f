/**
 * The write queue of one Log. Appends arrive with their segment and byte position already
 * assigned (in call order); the queue writes them in that order, coalescing the appends that
 * wait while a write is in flight into one positional writev (group commit), and
 * acknowledges each append only after its bytes and those of every earlier append are in the
 * file. A roll marker between appends lets the host finalize the previous segment once all
 * of its writes have landed.
 *
 * Cancellation: the Log may push an append whose last check (the CRC-32C) is still running
 * and then cancel it in the same tick (before any later append is assigned a position). A
 * cancelled append that was still queued is dropped. One already being written was the only
 * append of its write (the queue was idle when it was pushed): once that write has landed,
 * the file is cut back to the append's position and fdatasynced, and only then does the
 * append fail and the next write start. So a later append never lands after rejected bytes,
 * and readers never see them (the visible end moves only on acknowledgement).
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
  /** Set by cancel(): the error this append fails with once its bytes are erased. */
  cancelled?: KafkaError;
}

interface RollMarker {
  roll: true;
  segment: LogSegment;
  newBase: bigint;
}

export interface AppendQueueHost {
  /**
   * After `jobs` (one segment, contiguous) are written, before they are acknowledged (flush
   * policy): null, or a promise to wait for.
   */
  afterWrite(segment: LogSegment, jobs: readonly AppendJob[]): Promise<void> | null;
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

  /**
   * Withdraws `job`, which must be the last append pushed (same tick, nothing assigned
   * after it). Queued: removed and rejected now. In flight: erased after its write lands.
   */
  cancel(job: AppendJob, err: KafkaError): void {
    const i = this.queue.lastIndexOf(job);
    if (i >= 0) {
      this.queue.splice(i, 1);
      job.reject(err);
    } else {
      job.cancelled = err;
    }
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
   * Cuts a cancelled append's bytes off the file again (it is the last job of its write)
   * and fdatasyncs the cut, so it holds even after a power loss; then rejects that append
   * and removes it from `w.jobs`. Throws (the log goes offline) if the file cannot be cut.
   */
  private async eraseCancelled(w: InFlight): Promise<void> {
    const last = w.jobs[w.jobs.length - 1]!;
    if (!last.cancelled || w.jobs.some((j) => j !== last && j.cancelled)) throw new Error('a cancelled append was not the last of its write');
    await w.segment.log.truncate(last.position);
    await w.segment.log.flush();
    w.jobs.pop();
    last.reject(last.cancelled);
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
        if (current.jobs.some((j) => j.cancelled)) await this.eraseCancelled(current);
        const flushed = current.jobs.length > 0 ? this.host.afterWrite(current.segment, current.jobs) : null;
        if (flushed) await flushed;
      } catch (e) {
        if (!this.failure) this.failure = e instanceof KafkaError ? e : this.host.failed(e);
        for (const j of current.jobs) j.reject(j.cancelled ?? this.failure);
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
