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
 *
 * kafkajs asks for metadata only through brokers it is connected to, choosing one per refresh
 * and retrying on it: a producer connected only to a leader that was SIGSTOPped keeps asking
 * that silent broker. So after a send fails with a time-out the loop replaces its producer
 * (new connections, seeded from the bootstrap list), as an application would.
 */
import type { Kafka, Producer } from 'kafkajs';
import { ApiKey } from '../../protocol/generated/api-keys';
import type { ProduceRequest } from '../../protocol/generated/produce-request';
import type { ProduceResponse } from '../../protocol/generated/produce-response';
import { ERROR_INFO } from '../../protocol/errors';
import { buildRecordBatch } from '../../protocol/records/record';
import { InterBrokerClient } from '../../replication/inter-broker-client';
import type { AckCounter } from './ack-counter';
import { sleep, type TestCluster } from './cluster';

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
  /** The broker's wait for acks=all (Produce timeoutMs, default 3000; below the client's 6 s request timeout). */
  ackTimeoutMs?: number;
  /** Pause between requests (default 0). */
  pauseMs?: number;
  /** kafkajs retries of one send (default 10, 100..1000 ms apart). */
  retries?: number;
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
  private readonly kafka: Kafka;
  private running = false;
  private done: Promise<void> = Promise.resolve();
  private seq = 0;
  private ackedCount = 0;
  private readonly outcomes: Outcome[] = [];

  constructor(
    kafka: Kafka,
    private readonly o: ProducerLoopOptions,
  ) {
    this.kafka = kafka;
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    // metadataMaxAge 2 s: every attempt of a send older than that re-reads the leaders, so a
    // retry after a time-out (which kafkajs does not treat as stale metadata) finds a new leader.
    return this.kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1, idempotent: false, metadataMaxAge: 2000, retry: { retries: this.o.retries ?? 10, initialRetryTime: 100, maxRetryTime: 1000 } });
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
          timeout: this.o.ackTimeoutMs ?? 3000,
          messages: values.map((value) => ({ partition, value })),
        });
        const m = meta.find((x) => x.partition === partition);
        if (!m || m.errorCode !== 0) throw new Error(`send answered ${JSON.stringify(meta)}`);
        const base = BigInt(m.baseOffset ?? '-1');
        if (base < 0n && (this.o.acks ?? -1) !== 0) throw new Error(`no base offset in ${JSON.stringify(meta)}`);
        values.forEach((v, i) => this.o.counter.ack(this.o.topic, partition, base + BigInt(i), v));
        outcome.acked = values.length;
        this.ackedCount += values.length;
      } catch (e) {
        outcome.failed = values.length;
        outcome.reason = reasonOf(e);
        this.o.counter.fail(values.length, outcome.reason);
        if (/timed? ?out/i.test(outcome.reason) && this.running) await this.replaceProducer();
      }
      if (this.o.pauseMs) await sleep(this.o.pauseMs);
    }
  }

  private async replaceProducer(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
    for (;;) {
      this.producer = this.newProducer();
      try {
        await this.producer.connect();
        return;
      } catch {
        if (!this.running) return;
        await sleep(200);
      }
    }
  }

  /** Messages sent so far (acknowledged or not). */
  get sent(): number {
    return this.seq;
  }

  /** Messages of this loop acknowledged so far. */
  get acked(): number {
    return this.ackedCount;
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

  /** Resolves once this loop had `n` more messages acknowledged than at the call; rejects after timeoutMs. */
  async waitForAcks(n: number, timeoutMs: number, what: string): Promise<void> {
    const target = this.ackedCount + n;
    const deadline = Date.now() + timeoutMs;
    while (this.ackedCount < target) {
      if (!this.running) throw new Error(`producer ${this.o.source} stopped while waiting for ${what}`);
      if (Date.now() > deadline) {
        throw new Error(`${this.o.source}: ${what}: ${this.ackedCount - (target - n)} of ${n} acknowledged within ${timeoutMs} ms (failures ${JSON.stringify(this.failuresSince(0).reasons)})`);
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

/**
 * One Produce v9 request with `values` (one batch) sent straight to broker `brokerId`, whatever
 * the metadata says: how a client with stale metadata reaches a deposed leader. An acknowledged
 * send is recorded in `counter` like any other; the result names the error otherwise.
 */
export async function produceDirect(
  cluster: TestCluster,
  brokerId: number,
  topic: string,
  partition: number,
  values: string[],
  counter: AckCounter,
  ackTimeoutMs = 5000,
): Promise<{ acked: boolean; error: string }> {
  const b = cluster.broker(brokerId);
  const client = new InterBrokerClient({ host: b.host, port: b.port, clientId: 'stale-producer', requestTimeoutMs: ackTimeoutMs + 5000, connectTimeoutMs: 3000 });
  const req: ProduceRequest = {
    transactionalId: null,
    acks: -1,
    timeoutMs: ackTimeoutMs,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: buildRecordBatch({ records: values.map((value) => ({ value })) }) }] }],
  };
  try {
    const r = await client.request<ProduceResponse>(ApiKey.Produce, 9, req);
    const p = r.responses[0]?.partitionResponses[0];
    if (p && p.errorCode === 0) {
      values.forEach((v, i) => counter.ack(topic, partition, p.baseOffset + BigInt(i), v));
      return { acked: true, error: 'NONE' };
    }
    const error = p ? (ERROR_INFO[p.errorCode]?.name ?? `error ${p.errorCode}`) : 'no partition in the response';
    counter.fail(values.length, error);
    return { acked: false, error };
  } catch (e) {
    counter.fail(values.length, (e as Error).message);
    return { acked: false, error: (e as Error).message };
  } finally {
    client.close();
  }
}

/** Resolves once `counter` holds `n` more acknowledgements (from any producer) than at the call. */
export async function waitForMoreAcks(counter: AckCounter, n: number, timeoutMs: number, what: string): Promise<void> {
  const start = counter.acknowledged;
  const deadline = Date.now() + timeoutMs;
  while (counter.acknowledged < start + n) {
    if (Date.now() > deadline) throw new Error(`${what}: ${counter.acknowledged - start} of ${n} acknowledged within ${timeoutMs} ms (failures ${JSON.stringify(counter.failureReasons())})`);
    await sleep(50);
  }
}
