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
  const child = parent.child({ component, ...bindings });
  const levels = loggerLevelsOf(parent);
  levels.register(component, child);
  OWNER.set(child, levels);
  return child;
}

/** The registry each logger belongs to (a root's own, or its root's for children). */
const OWNER = new WeakMap<Logger, LoggerLevels>();

/** The runtime log levels of the tree under `logger`'s root (BROKER_LOGGER resources). */
export function loggerLevelsOf(logger: Logger): LoggerLevels {
  let l = OWNER.get(logger);
  if (!l) {
    l = new LoggerLevels(logger);
    OWNER.set(logger, l);
  }
  return l;
}

const toKafka = (pinoLevel: string): string => (pinoLevel === 'silent' ? 'OFF' : pinoLevel.toUpperCase());

/**
 * Levels by component (Kafka's log4j loggers, KIP-412): `root` is the root logger, every other
 * name is a component given to childLogger. A component without its own level follows root.
 * Invariant: every live child of a component logs at that component's level.
 */
export class LoggerLevels {
  private readonly components = new Map<string, Set<WeakRef<Logger>>>();
  private readonly own = new Map<string, string>();

  constructor(private readonly root: Logger) {}

  register(component: string, child: Logger): void {
    let set = this.components.get(component);
    if (!set) {
      set = new Set();
      this.components.set(component, set);
    }
    set.add(new WeakRef(child));
    child.level = this.own.get(component) ?? this.root.level;
  }

  /** root first, then the components in name order, each with its effective level (upper case). */
  levels(): ReadonlyMap<string, string> {
    const out = new Map<string, string>([['root', toKafka(this.root.level)]]);
    for (const name of [...this.components.keys()].sort()) out.set(name, toKafka(this.own.get(name) ?? this.root.level));
    return out;
  }

  /** `level` is one of Kafka's (TRACE, DEBUG, INFO, WARN, ERROR, FATAL). */
  setLevel(name: string, level: string): void {
    const pinoLevel = level.toLowerCase();
    if (name === 'root') {
      this.root.level = pinoLevel;
      for (const c of this.components.keys()) if (!this.own.has(c)) this.apply(c, pinoLevel);
      return;
    }
    this.own.set(name, pinoLevel);
    this.apply(name, pinoLevel);
  }

  unsetLevel(name: string): void {
    this.own.delete(name);
    this.apply(name, this.root.level);
  }

  private apply(component: string, pinoLevel: string): void {
    const set = this.components.get(component);
    if (!set) return;
    for (const ref of set) {
      const l = ref.deref();
      if (l) l.level = pinoLevel;
      else set.delete(ref);
    }
  }
}
