/**
 * Gregor's programmatic API: start an in-process Kafka-compatible broker (tests, tools).
 *
 *   const broker = await startBroker({ port: 0, dataDir });
 *   // kafkajs: new Kafka({ brokers: [broker.bootstrap] })
 *   await broker.stop();
 */
import { Broker, type BrokerOptions } from './broker/broker';
import { loadConfig, type BrokerConfig } from './broker/config/config';
import { createLogger, type Logger } from './broker/logger';
import type { BrokerServices, GroupCoordinatorSlot, Handler } from './broker/handlers/define-handler';
import type { Clock } from './storage/clock';

export type { BrokerConfig, BrokerServices, GroupCoordinatorSlot, Handler, Clock, Logger };
export { ConfigError } from './broker/config/config';

export interface StartBrokerOptions {
  /** TCP port of the PLAINTEXT listener; 0 = any free port (default 0). */
  port?: number;
  /** Interface to bind and advertise (default 127.0.0.1). */
  host?: string;
  /** log.dirs (required unless config sets log.dirs). */
  dataDir?: string;
  /** Kafka server.properties keys, applied over the defaults (e.g. {'auto.create.topics.enable': 'false'}). */
  config?: Readonly<Record<string, string | number | boolean>>;
  /** pino level (default 'warn', or GREGOR_LOG_LEVEL). */
  logLevel?: string;
  /** Use this logger instead of creating one. */
  logger?: Logger;
  clock?: Clock;
  extraHandlers?: BrokerOptions['extraHandlers'];
  groupCoordinatorFactory?: BrokerOptions['groupCoordinatorFactory'];
}

export interface RunningBroker {
  /** "host:port" for client bootstrap lists. */
  readonly bootstrap: string;
  readonly port: number;
  readonly brokerId: number;
  readonly config: BrokerConfig;
  readonly services: BrokerServices;
  /** Graceful stop: answers in-flight requests, flushes and checkpoints the logs. */
  stop(): Promise<void>;
}

export async function startBroker(opts: StartBrokerOptions = {}): Promise<RunningBroker> {
  const host = opts.host ?? '127.0.0.1';
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.config ?? {})) raw[k] = String(v);
  if (opts.dataDir !== undefined) raw['log.dirs'] = opts.dataDir;
  if (opts.port !== undefined || raw['listeners'] === undefined) raw['listeners'] = `PLAINTEXT://${host}:${opts.port ?? 0}`;
  const loaded = loadConfig(raw);
  const logger = opts.logger ?? createLogger({ level: opts.logLevel ?? process.env['GREGOR_LOG_LEVEL'] ?? 'warn', pretty: false });
  const broker = new Broker({ loaded, logger, clock: opts.clock, extraHandlers: opts.extraHandlers, groupCoordinatorFactory: opts.groupCoordinatorFactory });
  try {
    await broker.start();
  } catch (e) {
    await broker.stop().catch(() => undefined);
    throw e;
  }
  const first = broker.bound[0]!;
  const advertisedHost = loaded.config.advertisedListeners[0]?.host || host;
  return {
    bootstrap: `${advertisedHost}:${first.port}`,
    port: first.port,
    brokerId: broker.services!.brokerId,
    config: loaded.config,
    services: broker.services!,
    stop: () => broker.stop(),
  };
}
