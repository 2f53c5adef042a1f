/**
 * BROKER_LOGGER resources (KIP-412): the broker's loggers and their levels, as Kafka 3.9's
 * RuntimeLoggerManager validates and applies them through IncrementalAlterConfigs.
 *
 * Invariant: a change is applied only through `RuntimeLoggers`; without one (nothing wired), no
 * logger exists, so every SET or DELETE fails as for an unknown logger and nothing is accepted
 * without effect.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { AlterOp, type AlterOpEntry } from './alter-ops';

/** The levels Kafka accepts (log4j's), in the order its error message lists them. */
export const LOG_LEVELS = ['DEBUG', 'ERROR', 'FATAL', 'INFO', 'TRACE', 'WARN'] as const;
export const ROOT_LOGGER = 'root';

/** The broker's runtime loggers: name -> current level (root first). */
export interface RuntimeLoggers {
  levels(): ReadonlyMap<string, string>;
  setLevel(logger: string, level: string): void;
  /** Back to the level inherited from the parent logger. */
  unsetLevel(logger: string): void;
}

/** Throws KafkaError as Kafka does for the first entry it refuses; applies nothing itself. */
export function validateLoggerOps(entries: readonly AlterOpEntry[], loggers: RuntimeLoggers | undefined): void {
  const known = loggers?.levels() ?? new Map<string, string>();
  const mustExist = (name: string): void => {
    if (!known.has(name)) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Logger ${name} does not exist!`);
  };
  for (const e of entries) {
    if (e.op === AlterOp.SET) {
      mustExist(e.name);
      if (!(LOG_LEVELS as readonly string[]).includes(e.value ?? '')) {
        throw new KafkaError(ErrorCode.INVALID_CONFIG, `Cannot set the log level of ${e.name} to ${e.value} as it is not a supported log level. Valid log levels are ${LOG_LEVELS.join(', ')}`);
      }
    } else if (e.op === AlterOp.DELETE) {
      mustExist(e.name);
      if (e.name === ROOT_LOGGER) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Removing the log level of the ${ROOT_LOGGER} logger is not allowed`);
    } else {
      const op = e.op === AlterOp.APPEND ? 'APPEND' : e.op === AlterOp.SUBTRACT ? 'SUBTRACT' : null;
      throw new KafkaError(ErrorCode.INVALID_REQUEST, op ? `${op} operation is not allowed for the BROKER_LOGGER resource` : `Unknown operation type ${e.op} is not allowed for the BROKER_LOGGER resource`);
    }
  }
}

export function applyLoggerOps(entries: readonly AlterOpEntry[], loggers: RuntimeLoggers): void {
  for (const e of entries) {
    if (e.op === AlterOp.SET) loggers.setLevel(e.name, e.value!);
    else loggers.unsetLevel(e.name);
  }
}
