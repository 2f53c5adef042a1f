/**
 * The broker's one root pino logger. JSON lines by default; human-readable (pino-pretty, in
 * process) when stdout is a terminal or `pretty` is requested. Components take a child with
 * bindings, e.g. `childLogger(root, 'connection', { peer })`. Never log record payloads.
 */
import pino, { type Logger, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Force human-readable output; defaults to stdout being a TTY. */
  pretty?: boolean;
  /** Where lines go (tests capture them); default stdout. */
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env['GREGOR_LOG_LEVEL'] ?? 'info';
  const base = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  const usePretty = opts.pretty ?? (opts.destination === undefined && process.stdout.isTTY === true);
  if (usePretty) {
    const stream = pretty({ colorize: process.stdout.isTTY === true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination: opts.destination ? undefined : 1 });
    if (opts.destination) stream.pipe(opts.destination as unknown as NodeJS.WritableStream);
    return pino(base, stream);
  }
  return opts.destination ? pino(base, opts.destination) : pino(base);
}

export function childLogger(parent: Logger, component: string, bindings: Record<string, unknown> = {}): Logger {
  return parent.child({ component, ...bindings });
}
