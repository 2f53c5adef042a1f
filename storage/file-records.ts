/**
 * One `.log` file: a lazily opened fd, positional appends and reads, flush and truncate
 * (Kafka's FileRecords). Holds no buffers; the fd is opened on first use.
 */
import * as fs from 'fs';
import { fsClose, fsFdatasync, fsFtruncate, fsOpen, fsReadFully, fsWriteAll } from './fs-util';

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
   * fd is open the write is issued before this returns.
   */
  writeAt(bufs: Buffer[], position: number): Promise<void> {
    if (this.fd !== null) return fsWriteAll(this.fd, bufs, position);
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
