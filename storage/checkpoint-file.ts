/**
 * Kafka's checkpoint text format (CheckpointFile): line 1 the version (0), line 2 the number
 * of entries, then one entry per line with space-separated fields. Written atomically:
 * temp file, fsync, rename over the target, fsync of the directory, so a crash leaves either
 * the old or the new file, never a half-written one.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fsClose, fsFsync, fsOpen, fsWriteAll } from './fs-util';

export const CHECKPOINT_VERSION = 0;

/** Writes in progress per target path: writers of one file take turns (they share its .tmp). */
const writing = new Map<string, Promise<void>>();

/** Atomically replaces `file` with `content`; concurrent calls for one file run one after the other, in call order. */
export function writeFileAtomic(file: string, content: string, sync = true): Promise<void> {
  const previous = writing.get(file) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => writeNow(file, content, sync));
  writing.set(file, run);
  const forget = (): void => {
    if (writing.get(file) === run) writing.delete(file);
  };
  run.then(forget, forget);
  return run;
}

async function writeNow(file: string, content: string, sync: boolean): Promise<void> {
  const tmp = `${file}.tmp`;
  const fd = await fsOpen(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC);
  try {
    await fsWriteAll(fd, [Buffer.from(content, 'utf8')], 0);
    if (sync) await fsFsync(fd);
  } finally {
    await fsClose(fd);
  }
  await fs.promises.rename(tmp, file);
  if (sync) await fsyncDir(path.dirname(file));
}

/** fsync of a directory so renames/creations in it are durable. */
export async function fsyncDir(dir: string): Promise<void> {
  let fd: number;
  try {
    fd = await fsOpen(dir, fs.constants.O_RDONLY);
  } catch {
    return;
  }
  try {
    await fsFsync(fd);
  } catch {
    // some filesystems refuse fsync on directories; the rename itself is still atomic
  } finally {
    await fsClose(fd);
  }
}

/** Writes entries (each an array of fields) in the checkpoint format. */
export function formatCheckpoint(entries: readonly (readonly (string | number | bigint)[])[]): string {
  const lines = [String(CHECKPOINT_VERSION), String(entries.length)];
  for (const e of entries) lines.push(e.join(' '));
  return lines.join('\n') + '\n';
}

/**
 * Parses the checkpoint format; returns the entries' fields, or throws on a malformed file
 * (wrong version, count mismatch, wrong field count).
 */
export function parseCheckpoint(text: string, fieldsPerEntry: number): string[][] {
  const lines = text.split('\n').filter((l, i, a) => !(l === '' && i === a.length - 1));
  if (lines[0]?.trim() !== String(CHECKPOINT_VERSION)) throw new Error(`unsupported checkpoint version: ${lines[0]}`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count < 0 || lines.length !== count + 2) throw new Error('malformed checkpoint: entry count');
  const out: string[][] = [];
  for (let i = 0; i < count; i++) {
    const f = lines[i + 2]!.trim().split(/\s+/);
    if (f.length !== fieldsPerEntry) throw new Error(`malformed checkpoint line: ${lines[i + 2]}`);
    out.push(f);
  }
  return out;
}

/** Reads a checkpoint file; a missing file is an empty list. */
export async function readCheckpointFile(file: string, fieldsPerEntry: number): Promise<string[][]> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return parseCheckpoint(text, fieldsPerEntry);
}

/** `<topic> <partition> <offset>` files: recovery points, high watermarks, log start offsets. */
export class OffsetCheckpointFile {
  constructor(readonly file: string) {}

  async read(): Promise<Map<string, bigint>> {
    const rows = await readCheckpointFile(this.file, 3);
    const m = new Map<string, bigint>();
    for (const [t, p, o] of rows) m.set(`${t}-${p}`, BigInt(o!));
    return m;
  }

  async write(entries: Iterable<{ topic: string; partition: number; offset: bigint }>): Promise<void> {
    const rows: (string | number | bigint)[][] = [];
    for (const e of entries) rows.push([e.topic, e.partition, e.offset]);
    await writeFileAtomic(this.file, formatCheckpoint(rows));
  }
}
