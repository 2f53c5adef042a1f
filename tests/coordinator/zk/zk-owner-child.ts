// Child process of zookeeper-server.test.ts: starts a ZooKeeper, prints its pid, then waits to be killed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startZooKeeper } from '../../../broker/dev-cluster/zookeeper-server';

void startZooKeeper({ dataDir: mkdtempSync(join(tmpdir(), 'gregor-zk-owner-')) }).then((zk) => {
  process.stdout.write(`java ${zk.pid}\n`);
  setInterval(() => undefined, 1000);
});
