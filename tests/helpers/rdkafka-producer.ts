/**
 * The librdkafka producer of the fault tests (rdkafka-acks.c, compiled once per source version
 * into the temp dir with `cc ... -lrdkafka`; needs librdkafka-dev). Its delivery reports feed an
 * AckCounter: "ACK p offset value" is an acknowledged message, "ERR p value error" a failed one.
 * stop() sends SIGTERM; the program stops producing, waits for the outstanding delivery
 * reports (at most ~35 s) and exits. Like the brokers, it is killed if the test process exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { createHash } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import readline from 'readline';
import { trackChild } from '../../broker/dev-cluster/child-registry';
import type { AckCounter } from './ack-counter';

const SOURCE = path.join(__dirname, 'rdkafka-acks.c');

/** Path of the compiled producer; compiles it when this source version has no binary yet. */
export function rdkafkaAcksBinary(): string {
  return rdkafkaProgram(SOURCE);
}

/**
 * Compiles a C program against librdkafka into the temp dir, once per source version (the
 * binary is named by the source's hash); returns its path. Fails naming the packages it needs.
 */
export function rdkafkaProgram(source: string): string {
  const code = fs.readFileSync(source);
  const name = path.basename(source, '.c');
  const bin = path.join(os.tmpdir(), `gregor-${name}-${createHash('sha1').update(code).digest('hex').slice(0, 12)}`);
  if (fs.existsSync(bin)) return bin;
  const tmp = `${bin}.${process.pid}`;
  const r = spawnSync('cc', ['-O1', '-o', tmp, source, '-lrdkafka'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`could not build ${source} (needs a C compiler and librdkafka-dev: apt-get install gcc librdkafka-dev): ${r.error?.message ?? r.stderr}`);
  fs.renameSync(tmp, bin);
  return bin;
}

export interface RdkafkaProducerOptions {
  bootstrap: string;
  topic: string;
  partitions: number;
  source: string;
  counter: AckCounter;
  /** Messages to produce at most (default: until stopped). */
  count?: number;
  /** Consecutive messages per partition (default 5). */
  batch?: number;
  /** Pause between produce calls, microseconds (default 2000). */
  intervalUs?: number;
  /** Extra librdkafka configuration. */
  config?: Record<string, string>;
}

export class RdkafkaProducer {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  private stderr = '';
  /** The DONE line's numbers, once the program finished. */
  summary: { produced: number; acked: number; failed: number } | undefined;

  constructor(private readonly o: RdkafkaProducerOptions) {}

  start(): void {
    const args = [
      this.o.bootstrap,
      this.o.topic,
      String(this.o.partitions),
      String(this.o.count ?? 1_000_000_000),
      this.o.source,
      String(this.o.batch ?? 5),
      String(this.o.intervalUs ?? 2000),
      ...Object.entries(this.o.config ?? {}).map(([k, v]) => `${k}=${v}`),
    ];
    const child = spawn(rdkafkaAcksBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const untrack = child.pid !== undefined ? trackChild(child.pid, 'rdkafka-acks') : () => undefined;
    child.once('exit', untrack);
    child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const [kind, a, b, c] = line.split(' ');
      if (kind === 'ACK') this.o.counter.ack(this.o.topic, Number(a), BigInt(b!), c!);
      else if (kind === 'ERR') this.o.counter.fail(1, `librdkafka ${c}`);
      else if (kind === 'DONE') this.summary = { produced: Number(a), acked: Number(b), failed: Number(c) };
    });
    const closed = new Promise<void>((r) => lines.once('close', () => r()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => void closed.then(() => resolve(code))));
  }

  /** Waits until the program has produced `count` messages, had their reports and exited. */
  async finished(): Promise<void> {
    const code = await this.exited;
    if (code !== 0) throw new Error(`rdkafka-acks exited with ${code}: ${this.stderr}`);
  }

  /** SIGTERM, then waits for the last delivery reports and the exit. */
  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGTERM');
    const code = await this.exited;
    if (code !== 0) throw new Error(`rdkafka-acks exited with ${code}: ${this.stderr}`);
  }
}
