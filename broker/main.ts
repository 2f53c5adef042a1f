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
import { startDevCluster } from './dev-cluster/dev-cluster';
import { reexecInOwnProcessGroup, watchFrontProcess } from './dev-cluster/own-process-group';

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

/**
 * `gregor dev-cluster`: ZooKeeper and N brokers as child processes (broker/dev-cluster/); prints
 * the bootstrap string and where data and logs are. SIGINT/SIGTERM: brokers stop one at a time
 * by SIGTERM (controlled shutdown), then ZooKeeper, exit 0; a second signal SIGKILLs them, exit 1.
 * The cluster runs from a supervisor in its own process group (dev-cluster/own-process-group.ts),
 * so a terminal's Ctrl-C reaches ZooKeeper only after the brokers have stopped.
 */
async function runDevCluster(argv: { brokers: number; 'data-dir': string; 'base-port': number; 'zookeeper-port'?: number; override?: (string | number)[]; 'log-level'?: string }): Promise<void> {
  if (reexecInOwnProcessGroup()) return;
  const overrides = parseOverrides((argv.override ?? []).map(String));
  let cluster: Awaited<ReturnType<typeof startDevCluster>>;
  try {
    cluster = await startDevCluster({ brokers: argv.brokers, dataDir: argv['data-dir'], basePort: argv['base-port'], zookeeperPort: argv['zookeeper-port'], overrides, logLevel: argv['log-level'] });
  } catch (e) {
    process.stderr.write(`gregor dev-cluster: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  out(`Gregor dev cluster: ${cluster.brokers.length} brokers, ZooKeeper ${cluster.zookeeperConnect}`);
  out(`  bootstrap: ${cluster.bootstrap}`);
  out(`  data:      ${cluster.dataDir}`);
  for (const b of cluster.brokers) out(`  broker ${b.id}:  ${b.bootstrap}  pid ${b.pid}  log ${b.logFile}`);
  out(`  zookeeper: pid ${cluster.zookeeper.pid}  data ${cluster.dataDir}/zookeeper`);
  out('Ctrl-C stops the cluster.');
  let signals = 0;
  const shutdown = (signal: string): void => {
    if (++signals > 1) {
      out(`${signal} again: killing the cluster`);
      void cluster.destroy().finally(() => process.exit(1));
      return;
    }
    out(`${signal}: stopping brokers (controlled shutdown), then ZooKeeper`);
    cluster.stop().then(
      () => {
        out('dev cluster stopped');
        process.exit(0);
      },
      (e: unknown) => {
        process.stderr.write(`gregor dev-cluster: stop failed: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
  watchFrontProcess(() => shutdown('the dev-cluster command ended'));
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
  .command(
    'dev-cluster',
    'run a local cluster: ZooKeeper and N brokers as child processes',
    (y) =>
      y
        .option('brokers', { alias: 'n', type: 'number', default: 3, describe: 'number of brokers (ids 1..N)' })
        .option('data-dir', { alias: 'd', type: 'string', default: './dev-cluster', describe: 'ZooKeeper and broker data and logs' })
        .option('base-port', { type: 'number', default: 9092, describe: 'broker N listens on base-port + N - 1 (0: free ports)' })
        .option('zookeeper-port', { type: 'number', describe: 'ZooKeeper client port (default: a free one)' })
        .option('override', { alias: 'o', type: 'array', describe: 'key=value for every broker (repeatable)' })
        .option('log-level', { type: 'string', describe: 'broker log level (default info)' }),
    (argv) => runDevCluster(argv),
  )
  .demandCommand(1)
  .strict()
  .help()
  .parseAsync();
