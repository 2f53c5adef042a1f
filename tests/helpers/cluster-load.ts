/**
 * ProducerLoop: a kafkajs producer writing to a topic until stopped, acks=all by default, one
 * request in flight at a time, round-robin over the partitions, `batch` messages per request
 * (all to one partition, so message i of a batch acknowledged at base offset B has offset
 * B + i). Values are `<source>-<seq>`, seq 0, 1, 2, ... in send order (see ack-counter.ts).
 * Every acknowledged message goes to the AckCounter with its offset; every failed send is
 * counted there with its reason (the innermost kafkajs error type or message). A send that
 * fails is not retried by the loop (kafkajs already retried it); the loop goes on with the
 * next seq. `acksSince(t)` / `failuresSince(t)` count outcomes of sends started at or after t
 * (ms since the epoch).
 */
import type { Kafka, Producer } from 'kafkajs';
import type { AckCounter } from './ack-counter';
import { sleep } from './cluster';

export interface ProducerLoopOptions {
  topic: string;
  partitions: number;
  /** Prefix of the values; unique per loop. */
  source: string;
  counter: AckCounter;
  /** Messages per request (default 5). */
  batch?: number;
  /** -1 (all, default), 0 or 1. */
  acks?: number;
  /** The broker's wait for acks=all (Produce timeoutMs, default 5000). */
  ackTimeoutMs?: number;
  /** Pause between requests (default 0). */
  pauseMs?: number;
}

interface Outcome {
  startedAt: number;
  acked: number;
  failed: number;
  reason?: string;
}

/** The most specific description kafkajs gives of a failed send. */
export function reasonOf(e: unknown): string {
  let err = e as { type?: string; name?: string; message?: string; cause?: unknown; originalError?: unknown; errors?: unknown[] };
  for (let i = 0; i < 5; i++) {
    const inner = err.cause ?? err.originalError ?? (Array.isArray(err.errors) ? err.errors[err.errors.length - 1] : undefined);
    if (!inner) break;
    err = inner as typeof err;
  }
  return err.type ?? `${err.name ?? 'Error'}: ${err.message ?? String(err)}`;
}

export class ProducerLoop {
  private producer: Producer;
  private running = false;
  private done: Promise<void> = Promise.resolve();
  private seq = 0;
  private readonly outcomes: Outcome[] = [];

  constructor(
    kafka: Kafka,
    private readonly o: ProducerLoopOptions,
  ) {
    this.producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1, idempotent: false, retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 } });
  }

  async start(): Promise<void> {
    await this.producer.connect();
    this.running = true;
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    const batch = this.o.batch ?? 5;
    while (this.running) {
      const partition = Math.floor(this.seq / batch) % this.o.partitions;
      const values: string[] = [];
      for (let i = 0; i < batch; i++) values.push(`${this.o.source}-${this.seq++}`);
      const outcome: Outcome = { startedAt: Date.now(), acked: 0, failed: 0 };
      this.outcomes.push(outcome);
      try {
        const meta = await this.producer.send({
          topic: this.o.topic,
          acks: this.o.acks ?? -1,
          timeout: this.o.ackTimeoutMs ?? 5000,
          messages: values.map((value) => ({ partition, value })),
        });
        const m = meta.find((x) => x.partition === partition);
        if (!m || m.errorCode !== 0) throw new Error(`send answered ${JSON.stringify(meta)}`);
        const base = BigInt(m.baseOffset ?? '-1');
        if (base < 0n && (this.o.acks ?? -1) !== 0) throw new Error(`no base offset in ${JSON.stringify(meta)}`);
        values.forEach((v, i) => this.o.counter.ack(this.o.topic, partition, base + BigInt(i), v));
        outcome.acked = values.length;
      } catch (e) {
        outcome.failed = values.length;
        outcome.reason = reasonOf(e);
        this.o.counter.fail(values.length, outcome.reason);
      }
      if (this.o.pauseMs) await sleep(this.o.pauseMs);
    }
  }

  /** Messages sent so far (acknowledged or not). */
  get sent(): number {
    return this.seq;
  }

  acksSince(t: number): number {
    return this.outcomes.filter((x) => x.startedAt >= t).reduce((n, x) => n + x.acked, 0);
  }

  failuresSince(t: number): { count: number; reasons: Record<string, number> } {
    const reasons: Record<string, number> = {};
    let count = 0;
    for (const x of this.outcomes) {
      if (x.startedAt < t || x.failed === 0) continue;
      count += x.failed;
      reasons[x.reason!] = (reasons[x.reason!] ?? 0) + x.failed;
    }
    return { count, reasons };
  }

  /** Resolves once `n` more messages were acknowledged than at the call, or rejects after timeoutMs. */
  async waitForAcks(n: number, timeoutMs: number, what: string): Promise<void> {
    const target = this.o.counter.acknowledged + n;
    const deadline = Date.now() + timeoutMs;
    while (this.o.counter.acknowledged < target) {
      if (!this.running) throw new Error(`producer ${this.o.source} stopped while waiting for ${what}`);
      if (Date.now() > deadline) {
        throw new Error(`${this.o.source}: ${what}: ${this.o.counter.acknowledged - (target - n)} of ${n} acknowledged within ${timeoutMs} ms (failures ${JSON.stringify(this.o.counter.failureReasons())})`);
      }
      await sleep(50);
    }
  }

  /** Stops after the request in flight settles; disconnects. */
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
    await this.producer.disconnect().catch(() => undefined);
  }
}
