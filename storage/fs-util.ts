/**
 * Promise wrappers over fs's fd-based callback API (lighter than FileHandle on hot paths).
 */
import * as fs from 'fs';

export function fsOpen(file: string, flags: number, mode = 0o644): Promise<number> {
  return new Promise((res, rej) => fs.open(file, flags, mode, (e, fd) => (e ? rej(e) : res(fd))));
}
export function fsClose(fd: number): Promise<void> {
  return new Promise((res, rej) => fs.close(fd, (e) => (e ? rej(e) : res())));
}
export function fsFsync(fd: number): Promise<void> {
  return new Promise((res, rej) => fs.fsync(fd, (e) => (e ? rej(e) : res())));
}
export function fsFdatasync(fd: number): Promise<void> {
  return new Promise((res, rej) => fs.fdatasync(fd, (e) => (e ? rej(e) : res())));
}
export function fsFtruncate(fd: number, len: number): Promise<void> {
  return new Promise((res, rej) => fs.ftruncate(fd, len, (e) => (e ? rej(e) : res())));
}
export function fsFstatSize(fd: number): Promise<number> {
  return new Promise((res, rej) => fs.fstat(fd, (e, st) => (e ? rej(e) : res(st.size))));
}

function writev(fd: number, bufs: Buffer[], position: number): Promise<number> {
  return new Promise((res, rej) => fs.writev(fd, bufs, position, (e, n) => (e ? rej(e) : res(n))));
}
function write(fd: number, buf: Buffer, position: number): Promise<number> {
  return new Promise((res, rej) => fs.write(fd, buf, 0, buf.length, position, (e, n) => (e ? rej(e) : res(n))));
}

/** Positional write of all `bufs` starting at `position`; loops over short writes. */
export async function fsWriteAll(fd: number, bufs: Buffer[], position: number): Promise<void> {
  let list = bufs;
  let pos = position;
  for (;;) {
    const total = list.reduce((a, b) => a + b.length, 0);
    if (total === 0) return;
    const n = list.length === 1 ? await write(fd, list[0]!, pos) : await writev(fd, list, pos);
    if (n === total) return;
    if (n <= 0) throw new Error(`short write at ${pos}`);
    pos += n;
    let skip = n;
    const rest: Buffer[] = [];
    for (const b of list) {
      if (skip >= b.length) skip -= b.length;
      else {
        rest.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    list = rest;
  }
}

/**
 * Synchronous positional write of all `bufs` (loops over short writes). For small appends only:
 * a page-cache write of a few KiB costs microseconds on the calling thread, while the thread-pool
 * round trip of fs.write needs a worker thread and then the main thread to be scheduled again,
 * which on a loaded machine takes milliseconds now and then.
 */
export function fsWriteAllSync(fd: number, bufs: Buffer[], position: number): void {
  let list = bufs;
  let pos = position;
  for (;;) {
    let total = 0;
    for (const b of list) total += b.length;
    if (total === 0) return;
    const n = list.length === 1 ? fs.writeSync(fd, list[0]!, 0, list[0]!.length, pos) : fs.writevSync(fd, list, pos);
    if (n === total) return;
    if (n <= 0) throw new Error(`short write at ${pos}`);
    pos += n;
    let skip = n;
    const rest: Buffer[] = [];
    for (const b of list) {
      if (skip >= b.length) skip -= b.length;
      else {
        rest.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    list = rest;
  }
}

/** Positional read into buf[off, off+len); returns bytes read (short only at end of file). */
export async function fsReadFully(fd: number, buf: Buffer, off: number, len: number, position: number): Promise<number> {
  let done = 0;
  while (done < len) {
    const n = await new Promise<number>((res, rej) =>
      fs.read(fd, buf, off + done, len - done, position + done, (e, r) => (e ? rej(e) : res(r))),
    );
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Size of the file system holding a directory, in bytes. */
export interface FileSystemSpace {
  /** All blocks of the file system. */
  readonly totalBytes: bigint;
  /** Blocks an unprivileged writer may still use (statfs f_bavail, as Java's getUsableSpace). */
  readonly usableBytes: bigint;
}

/** statfs(2) of the file system that holds `dir`. */
export function fsSpaceOf(dir: string): Promise<FileSystemSpace> {
  return new Promise((res, rej) =>
    fs.statfs(dir, { bigint: true }, (e, st) => (e ? rej(e) : res({ totalBytes: st.blocks * st.bsize, usableBytes: st.bavail * st.bsize }))),
  );
}
