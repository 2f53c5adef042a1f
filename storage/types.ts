/** Result of one append (offsets of the appended batches, int64 as bigint). */
export interface LogAppendInfo {
  /** Offset of the first record appended; -1n when the input held no batch. */
  firstOffset: bigint;
  lastOffset: bigint;
  /** The broker time written into LogAppendTime batches; -1n for CreateTime topics. */
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordCount: number;
  /** Largest batch max timestamp appended (ms), -1n when none. */
  maxTimestamp: bigint;
  /**
   * The batch repeated one already in the log (an idempotent producer's retry): nothing was
   * written and the offsets are the original batch's.
   */
  duplicate?: boolean;
}

export interface FetchDataInfo {
  /** Whole batches, possibly empty; a private copy read from the file. */
  records: Buffer;
  /** Offset after the last batch returned (undefined when none was). */
  nextOffset?: bigint;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Minimal logger shape (pino-compatible). */
export interface StorageLogger {
  info(msg: string | object, ...rest: unknown[]): void;
  warn(msg: string | object, ...rest: unknown[]): void;
  error(msg: string | object, ...rest: unknown[]): void;
  debug(msg: string | object, ...rest: unknown[]): void;
}

export const NOOP_LOGGER: StorageLogger = { info() {}, warn() {}, error() {}, debug() {} };
