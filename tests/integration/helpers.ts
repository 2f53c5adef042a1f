/** Shared set-up for integration tests: temp data dirs, in-process brokers, kafkajs codecs. */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { startBroker, type RunningBroker, type StartBrokerOptions } from '../../index';
import { compress, decompress } from '../../protocol/records/compression';
import { CompressionType } from '../../protocol/records/record-batch';

export function tempDir(prefix = 'gregor-it-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestBroker extends RunningBroker {
  dataDir: string;
  /** Stops the broker and removes its data dir. */
  destroy(): Promise<void>;
}

export async function startTestBroker(opts: StartBrokerOptions = {}): Promise<TestBroker> {
  const dataDir = opts.dataDir ?? tempDir();
  const b = await startBroker({ port: 0, logLevel: process.env['GREGOR_LOG_LEVEL'] ?? 'silent', ...opts, dataDir, config: { 'group.initial.rebalance.delay.ms': 0, ...opts.config } });
  return {
    ...b,
    dataDir,
    stop: () => b.stop(),
    async destroy() {
      await b.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let registered = false;
/** kafkajs codecs for snappy / lz4 / zstd built on Gregor's own compression adapters. */
export function registerKafkajsCodecs(): void {
  if (registered) return;
  registered = true;
  const codec = (type: CompressionType) => () => ({
    async compress(encoder: { buffer: Buffer }) {
      return compress(type, encoder.buffer);
    },
    async decompress(buffer: Buffer) {
      return decompress(type, buffer);
    },
  });
  CompressionCodecs[CompressionTypes.Snappy] = codec(CompressionType.Snappy);
  CompressionCodecs[CompressionTypes.LZ4] = codec(CompressionType.Lz4);
  CompressionCodecs[CompressionTypes.ZSTD] = codec(CompressionType.Zstd);
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 15000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
