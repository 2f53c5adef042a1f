#!/usr/bin/env -S node --initial-old-space-size=64
/**
 * CLI: `gregor broker [--config server.properties] [--override key=value ...] [--pretty]`.
 * Output of the argument parsing is a properties map; everything else is the Broker's.
 * Without a listeners / log.dirs setting the CLI uses PLAINTEXT://127.0.0.1:9092 and ./data.
 * SIGTERM/SIGINT: graceful stop (stop accepting, answer in-flight requests, flush, checkpoint,
 * clean-shutdown marker), exit 0. An invalid config prints one line and exits 1.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { Broker } from './broker';
import { ConfigError, loadConfig, parseOverrides } from './config/config';
import { readPropertiesFile } from './config/config-file';
import { createLogger } from './logger';

const CLI_DEFAULT_LISTENERS = 'PLAINTEXT://127.0.0.1:9092';
const CLI_DEFAULT_LOG_DIRS = './data';

async function runBroker(argv: { config?: string; override?: (string | number)[]; pretty?: boolean; 'log-level'?: string }): Promise<void> {
  let broker: Broker;
  const logger = createLogger({ level: argv['log-level'], pretty: argv.pretty ? true : undefined });
  try {
    const fromFile = argv.config ? await readPropertiesFile(argv.config) : {};
    const raw: Record<string, string> = { ...fromFile, ...parseOverrides((argv.override ?? []).map(String)) };
    // CLI defaults (one local broker, data beside the working directory) unless configured.
    if (raw['listeners'] === undefined) raw['listeners'] = CLI_DEFAULT_LISTENERS;
    if (raw['log.dirs'] === undefined && raw['log.dir'] === undefined) raw['log.dirs'] = CLI_DEFAULT_LOG_DIRS;
    broker = new Broker({ loaded: loadConfig(raw), logger });
  } catch (e) {
    process.stderr.write(`gregor: ${e instanceof ConfigError ? 'invalid configuration: ' : ''}${(e as Error).message}\n`);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `received ${signal}, shutting down`);
    broker.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await broker.start();
  } catch (e) {
    logger.fatal({ err: e }, `broker failed to start: ${(e as Error).message}`);
    await broker.stop().catch(() => undefined);
    process.exit(1);
  }
}

void yargs(hideBin(process.argv))
  .scriptName('gregor')
  .command(
    'broker',
    'run a Kafka-compatible broker',
    (y) =>
      y
        .option('config', { alias: 'c', type: 'string', describe: 'server.properties file' })
        .option('override', { alias: 'o', type: 'array', describe: 'key=value, applied over the file (repeatable)' })
        .option('pretty', { type: 'boolean', describe: 'human-readable logs (default when stdout is a terminal)' })
        .option('log-level', { type: 'string', describe: 'trace|debug|info|warn|error (default info)' }),
    (argv) => runBroker(argv),
  )
  .demandCommand(1)
  .strict()
  .help()
  .parseAsync();
