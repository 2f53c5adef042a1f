/** In-process broker for the group integration tests (port 0, temp log dir, quiet logs). */
import { mkdtemp, rm } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import { Broker } from '../../broker/broker';
import { loadConfig } from '../../broker/config';
import { createLogger } from '../../broker/logger';

export interface TestBroker {
  broker: Broker;
  port: number;
  dir: string;
  bootstrap: string;
  stop(): Promise<void>;
  /** Stops this broker and starts a new one on the same log dir and port. */
  restart(): Promise<TestBroker>;
  remove(): Promise<void>;
}

export async function startGroupBroker(overrides: Record<string, string> = {}, dir?: string, port = 0): Promise<TestBroker> {
  const logDir = dir ?? (await mkdtemp(join(tmpdir(), 'gregor-groups-')));
  const raw: Record<string, string> = {
    'broker.id': '1',
    listeners: `PLAINTEXT://127.0.0.1:${port}`,
    'log.dirs': logDir,
    'offsets.topic.replication.factor': '1',
    'group.initial.rebalance.delay.ms': '0',
    'num.partitions': '1',
    ...overrides,
  };
  const broker = new Broker({ loaded: loadConfig(raw), logger: createLogger({ level: process.env['GREGOR_TEST_LOG'] ?? 'silent' }) });
  await broker.start();
  const bound = broker.bound[0]!.port;
  const tb: TestBroker = {
    broker,
    port: bound,
    dir: logDir,
    bootstrap: `127.0.0.1:${bound}`,
    stop: () => broker.stop(),
    async restart() {
      await broker.stop();
      return startGroupBroker(overrides, logDir, bound);
    },
    async remove() {
      await broker.stop();
      await rm(logDir, { recursive: true, force: true });
    },
  };
  return tb;
}
