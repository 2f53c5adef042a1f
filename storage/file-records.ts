/**
 * One `.log` file: a lazily opened fd, positional appends and reads, flush and truncate
 * (Kafka's FileRecords). Holds no buffers; the fd is opened on first use.
 */
import * as fs from 'fs';
import { fsClose, fsFdatasync, fsFtruncate, fsOpen, fsReadFully, fsWriteAll, fsWriteAllSync } from './fs-util';

/** Writes of at most this many bytes (in total) may be issued synchronously on the calling thread (see writeAt). */
const SYNC_WRITE_MAX_BYTES = 1024 * 1024;
/** Bytes written synchronously within one event-loop turn, at most (bounds how long the loop blocks). */
const SYNC_WRITE_TURN_BUDGET = 4 * 1024 * 1024;

/** Synchronous-write bytes used in the current event-loop turn; reset from a setImmediate. */
let syncBytesThisTurn = 0;
let budgetResetScheduled = false;
function resetSyncBudget(): void {
  syncBytesThisTurn = 0;
  budgetResetScheduled = false;
}

/** True (and the bytes are counted) when a write of `bytes` may be done synchronously now. */
function takeSyncWriteBudget(bytes: number): boolean {
  if (bytes > SYNC_WRITE_MAX_BYTES || syncBytesThisTurn + bytes > SYNC_WRITE_TURN_BUDGET) return false;
  syncBytesThisTurn += bytes;
  if (!budgetResetScheduled) {
    budgetResetScheduled = true;
    setImmediate(resetSyncBudget);
  }
  return true;
}

export class FileRecords {
  private fdPromise: Promise<number> | null = null;
  /** The fd once open (lets writeAt issue its write synchronously). */
  private fd: number | null = null;
  private closed = false;

  /**
   * @param create true for a brand-new segment: the first open creates (and empties) the file.
   */
  constructor(
    public file: string,
    private create: boolean,
  ) {}

  get isOpen(): boolean {
    return this.fdPromise !== null;
  }

  open(): Promise<number> {
    if (!this.fdPromise) {
      if (this.closed) return Promise.reject(new Error(`${this.file} is closed`));
      const flags = fs.constants.O_RDWR | (this.create ? fs.constants.O_CREAT | fs.constants.O_TRUNC : 0);
      this.create = false;
      this.fdPromise = fsOpen(this.file, flags);
      this.fdPromise.then(
        (fd) => {
          if (!this.closed) this.fd = fd;
        },
        () => {
          this.fdPromise = null;
        },
      );
    }
    return this.fdPromise;
  }

  /**
   * Positional write of `bufs` at byte `position` (one write/writev when possible). When the
   * fd is open the write is issued before this returns. Writes of at most SYNC_WRITE_MAX_BYTES
   * are done synchronously here, up to SYNC_WRITE_TURN_BUDGET bytes per event-loop turn: a
   * page-cache write costs ~10 µs per few KiB and ~0.3 ms per MiB, while a thread-pool write
   * needs a worker thread and then the main thread to be scheduled, which on a busy machine took
   * 3-30 ms now and then (the produce-to-ack latency tail) and costs more CPU in total (the
   * hand-off between threads). Larger writes, and writes beyond the turn's budget, go to the
   * thread pool so the event loop never blocks long on one turn's appends.
   */
  writeAt(bufs: Buffer[], position: number): Promise<void> {
    if (this.fd !== null) {
      let bytes = 0;
      for (const b of bufs) bytes += b.length;
      if (takeSyncWriteBudget(bytes)) {
        try {
          fsWriteAllSync(this.fd, bufs, position);
        } catch (e) {
          return Promise.reject(e);
        }
        return Promise.resolve();
      }
      return fsWriteAll(this.fd, bufs, position);
    }
    return this.open().then((fd) => fsWriteAll(fd, bufs, position));
  }

  /** Reads up to `length` bytes at `position` into a new Buffer (shorter at end of file). */
  async read(position: number, length: number): Promise<Buffer> {
    const fd = await this.open();
    const buf = Buffer.allocUnsafe(length);
    const n = await fsReadFully(fd, buf, 0, length, position);
    return n === length ? buf : buf.subarray(0, n);
  }

  /** Reads into a caller's buffer; returns bytes read. */
  async readInto(buf: Buffer, position: number, length = buf.length): Promise<number> {
    const fd = await this.open();
    return fsReadFully(fd, buf, 0, length, position);
  }

  async flush(): Promise<void> {
    if (!this.fdPromise) return;
    await fsFdatasync(await this.fdPromise);
  }

  async truncate(size: number): Promise<void> {
    const fd = await this.open();
    await fsFtruncate(fd, size);
  }

  async size(): Promise<number> {
    try {
      return (await fs.promises.stat(this.file)).size;
    } catch {
      return 0;
    }
  }

  /** Closes the fd; reads/writes after close fail. */
  async close(): Promise<void> {
    this.closed = true;
    const p = this.fdPromise;
    this.fdPromise = null;
    this.fd = null;
    if (p) await fsClose(await p).catch(() => undefined);
  }

  /** Renames the file; an open fd keeps working (same inode). */
  async renameTo(file: string): Promise<void> {
    await fs.promises.rename(this.file, file);
    this.file = file;
  }
}
