/**
 * Small shared types of replication/: the logger shape (pino-compatible, structural, so the
 * broker passes its pino child logger) and the identity of a leader broker.
 */

/** pino-like logger: a context object first, then the message. */
export interface ReplicationLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const NOOP_REPLICATION_LOGGER: ReplicationLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** The broker a follower fetches from: its id and the address of its inter-broker listener. */
export interface LeaderBroker {
  readonly brokerId: number;
  readonly host: string;
  readonly port: number;
}

export interface TopicPartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/** Map key of one partition: `<topic>-<partition>` (unique: partition ids are integers). */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** A logger that adds `bindings` to every entry (like pino's child, for any ReplicationLogger). */
export function withBindings(logger: ReplicationLogger, bindings: object): ReplicationLogger {
  return {
    debug: (obj, msg) => logger.debug({ ...bindings, ...obj }, msg),
    info: (obj, msg) => logger.info({ ...bindings, ...obj }, msg),
    warn: (obj, msg) => logger.warn({ ...bindings, ...obj }, msg),
    error: (obj, msg) => logger.error({ ...bindings, ...obj }, msg),
  };
}
