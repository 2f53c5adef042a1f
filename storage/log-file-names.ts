/** File and directory names of Kafka's log layout (LogFileUtils). */
import * as path from 'path';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
/** Written while a compaction output is being built; discarded at startup. */
export const CLEANED_SUFFIX = '.cleaned';
/** A finished compaction output awaiting its swap in; completed at startup. */
export const SWAP_SUFFIX = '.swap';
/** Removed segment files awaiting asynchronous deletion. */
export const DELETED_SUFFIX = '.deleted';
/** Suffix of a whole partition directory awaiting deletion. */
export const DELETE_DIR_SUFFIX = '-delete';

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const REPLICATION_CHECKPOINT = 'replication-offset-checkpoint';
export const LOG_START_CHECKPOINT = 'log-start-offset-checkpoint';
export const CLEANER_CHECKPOINT = 'cleaner-offset-checkpoint';
export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
export const META_PROPERTIES = 'meta.properties';
export const CLEAN_SHUTDOWN_MARKER = '.kafka_cleanshutdown';

/** 20-digit zero-padded base offset (Kafka's filenamePrefixFromOffset). */
export function offsetPrefix(offset: bigint): string {
  return offset.toString().padStart(20, '0');
}

export function logFileName(dir: string, baseOffset: bigint, suffix = ''): string {
  return path.join(dir, offsetPrefix(baseOffset) + LOG_SUFFIX + suffix);
}
export function indexFileName(dir: string, baseOffset: bigint, suffix = ''): string {
  return path.join(dir, offsetPrefix(baseOffset) + INDEX_SUFFIX + suffix);
}
export function timeIndexFileName(dir: string, baseOffset: bigint, suffix = ''): string {
  return path.join(dir, offsetPrefix(baseOffset) + TIME_INDEX_SUFFIX + suffix);
}

/** Base offset from a name like `00000000000000000042.log[.swap]`, or null if not one. */
export function offsetFromFileName(name: string): bigint | null {
  const m = /^(\d{20})\./.exec(name);
  return m && m[1] !== undefined ? BigInt(m[1]) : null;
}

/** `<topic>-<partition>` directory name. */
export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Parses `<topic>-<partition>`; null for anything else (including `-delete` dirs). */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | null {
  if (name.endsWith(DELETE_DIR_SUFFIX) || name.startsWith('.')) return null;
  const i = name.lastIndexOf('-');
  if (i <= 0) return null;
  const p = name.slice(i + 1);
  if (!/^\d+$/.test(p)) return null;
  return { topic: name.slice(0, i), partition: Number(p) };
}
