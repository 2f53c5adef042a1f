/** In-memory fakes of the transaction coordinator's interfaces, and a harness around them. */
import { ErrorCode, KafkaError } from '../../../protocol/errors';
import { readRecords } from '../../../protocol/records/record';
import { RecordBatchView } from '../../../protocol/records/record-batch';
import { TransactionCoordinator, TxnCoordinatorOptions } from '../../../coordinator/txn/transaction-coordinator';
import { decodeTransactionLogKey, decodeTransactionLogValue, encodeTransactionLogKey, encodeTransactionLogValue, partitionFor } from '../../../coordinator/txn/transaction-log';
import type { TxnTransitMetadata } from '../../../coordinator/txn/transaction-metadata';
import type { TxnCoordinatorConfig, TxnLogger } from '../../../coordinator/txn/txn-config';
import type { TxnMarker, TxnMarkerPartitionResult, TxnMarkerSender } from '../../../coordinator/txn/txn-marker-sender';
import { appendTxnRecords, TxnStateLog } from '../../../coordinator/txn/txn-state-log';
import { TransactionState } from '../../../coordinator/txn/transaction-state';
import { FakeClock, flush } from '../group/fake-clock';

export { FakeClock, flush };

interface Deferred {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** __transaction_state in memory: offsets assigned per partition; appends can fail or be held. */
export class MemoryTxnStateLog implements TxnStateLog {
  private readonly parts = new Map<number, { batches: Buffer[]; end: bigint }>();
  /** When set, append rejects with this code. */
  failWith: ErrorCode | null = null;
  /** When set, reads reject with this error (once if failReadsOnce). */
  failReads: Error | null = null;
  failReadsOnce = true;
  /** When true, appends wait until release() / failHeld(). */
  holdAppends = false;
  private held: Array<Deferred & { partition: number; batch: Buffer }> = [];
  /** When true, reads wait until releaseReads(). */
  holdReads = false;
  private heldReads: Array<() => void> = [];
  readonly appendTimeouts: number[] = [];
  appends = 0;

  private part(p: number): { batches: Buffer[]; end: bigint } {
    let s = this.parts.get(p);
    if (!s) {
      s = { batches: [], end: 0n };
      this.parts.set(p, s);
    }
    return s;
  }

  private store(partition: number, batch: Buffer): void {
    const s = this.part(partition);
    const copy = Buffer.from(batch);
    const view = new RecordBatchView(copy);
    view.setBaseOffset(s.end);
    s.end = view.lastOffset + 1n;
    s.batches.push(copy);
    this.appends++;
  }

  async append(partition: number, batch: Buffer, timeoutMs: number): Promise<void> {
    this.appendTimeouts.push(timeoutMs);
    if (this.failWith !== null) throw new KafkaError(this.failWith);
    if (this.holdAppends) {
      await new Promise<void>((resolve, reject) => this.held.push({ resolve, reject, partition, batch: Buffer.from(batch) }));
      return;
    }
    this.store(partition, batch);
  }

  get heldAppends(): number {
    return this.held.length;
  }

  /** Completes every held append (in order). */
  release(): void {
    const held = this.held;
    this.held = [];
    this.holdAppends = false;
    for (const h of held) {
      this.store(h.partition, h.batch);
      h.resolve();
    }
  }

  /** Fails the oldest held append with `code`, keeping the others held. */
  failFirstHeld(code: ErrorCode): void {
    const h = this.held.shift();
    h?.reject(new KafkaError(code));
  }

  /** Fails every held append with `code`. */
  failHeld(code: ErrorCode): void {
    const held = this.held;
    this.held = [];
    this.holdAppends = false;
    for (const h of held) h.reject(new KafkaError(code));
  }

  releaseReads(): void {
    this.holdReads = false;
    const r = this.heldReads;
    this.heldReads = [];
    for (const f of r) f();
  }

  async read(partition: number, fromOffset: bigint, maxBytes: number): Promise<Buffer> {
    if (this.holdReads) await new Promise<void>((r) => this.heldReads.push(r));
    if (this.failReads) {
      const e = this.failReads;
      if (this.failReadsOnce) this.failReads = null;
      throw e;
    }
    const out: Buffer[] = [];
    let size = 0;
    for (const b of this.part(partition).batches) {
      if (new RecordBatchView(b).lastOffset < fromOffset) continue;
      if (out.length > 0 && size + b.length > maxBytes) break;
      out.push(b);
      size += b.length;
    }
    return Buffer.concat(out);
  }

  async startOffset(_partition: number): Promise<bigint> {
    return 0n;
  }

  async endOffset(partition: number): Promise<bigint> {
    return this.part(partition).end;
  }

  /** Decoded records of a partition: transactional id and the value's fields (null = tombstone). */
  records(partition: number): Array<{ transactionalId: string; value: ReturnType<typeof decodeTransactionLogValue> }> {
    const out: Array<{ transactionalId: string; value: ReturnType<typeof decodeTransactionLogValue> }> = [];
    for (const b of this.part(partition).batches) {
      for (const r of readRecords(b)) {
        const id = decodeTransactionLogKey(Buffer.from(r.key!))!;
        out.push({ transactionalId: id, value: decodeTransactionLogValue(id, r.value ? Buffer.from(r.value) : null) });
      }
    }
    return out;
  }

  /** The states written for `transactionalId`, in order ('tombstone' for a null value). */
  statesOf(partition: number, transactionalId: string): Array<TransactionState | 'tombstone'> {
    return this.records(partition)
      .filter((r) => r.transactionalId === transactionalId)
      .map((r) => (r.value ? r.value.state : 'tombstone'));
  }

  /** Writes a record directly, as a previous coordinator would have. */
  async seed(partition: number, transactionalId: string, t: TxnTransitMetadata | null, timestampMs = 0): Promise<void> {
    const saved = { fail: this.failWith, hold: this.holdAppends };
    this.failWith = null;
    this.holdAppends = false;
    await appendTxnRecords(this, partition, [{ key: encodeTransactionLogKey(transactionalId), value: t ? encodeTransactionLogValue(t) : null }], timestampMs, 1000);
    this.failWith = saved.fail;
    this.holdAppends = saved.hold;
  }
}

type Responder = (marker: TxnMarker) => TxnMarkerPartitionResult[] | Promise<TxnMarkerPartitionResult[]>;

/** Records every marker request; answers NONE for every partition unless told otherwise. */
export class RecordingMarkerSender implements TxnMarkerSender {
  readonly sent: TxnMarker[] = [];
  /** Topics that no longer exist. */
  readonly deletedTopics = new Set<string>();
  /** Answers for the next requests, in order; afterwards every partition gets `defaultCode`. */
  readonly responders: Responder[] = [];
  defaultCode: ErrorCode = ErrorCode.NONE;
  /** When true, requests wait until release(). */
  hold = false;
  private held: Array<() => void> = [];

  partitionExists(topic: string, _partition: number): boolean {
    return !this.deletedTopics.has(topic);
  }

  async send(marker: TxnMarker): Promise<TxnMarkerPartitionResult[]> {
    this.sent.push(marker);
    const responder = this.responders.shift();
    if (this.hold) await new Promise<void>((r) => this.held.push(r));
    if (responder) return responder(marker);
    return marker.partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, errorCode: this.defaultCode }));
  }

  get heldRequests(): number {
    return this.held.length;
  }

  release(): void {
    this.hold = false;
    const h = this.held;
    this.held = [];
    for (const f of h) f();
  }

  /** Responder answering `code` for the partitions of `topic` and NONE for the others. */
  static failing(code: ErrorCode, topic?: string): Responder {
    return (m) => m.partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, errorCode: topic === undefined || tp.topic === topic ? code : ErrorCode.NONE }));
  }
}

/** Producer ids 1000, 1001, ...; can be made slow or failing. */
export class CountingProducerIds {
  next = 1000n;
  failWith: Error | null = null;
  hold = false;
  private held: Array<() => void> = [];

  async generateProducerId(): Promise<bigint> {
    if (this.hold) await new Promise<void>((r) => this.held.push(r));
    if (this.failWith) throw this.failWith;
    return this.next++;
  }

  release(): void {
    this.hold = false;
    const h = this.held;
    this.held = [];
    for (const f of h) f();
  }
}

export class RecordingLogger implements TxnLogger {
  readonly lines: string[] = [];
  debug(m: string): void {
    this.lines.push(`DEBUG ${m}`);
  }
  info(m: string): void {
    this.lines.push(`INFO ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`WARN ${m}`);
  }
  error(m: string): void {
    this.lines.push(`ERROR ${m}`);
  }
}

export const TXN = 'txn-a';
export const TOPIC = 'orders';

/** A coordinator over one __transaction_state partition (so every id lives in partition 0). */
export async function makeHarness(config: Partial<TxnCoordinatorConfig> = {}, opts: Partial<TxnCoordinatorOptions> = {}, coordinatorEpoch = 1) {
  const clock = new FakeClock();
  const log = new MemoryTxnStateLog();
  const sender = new RecordingMarkerSender();
  const producerIds = new CountingProducerIds();
  const logger = new RecordingLogger();
  const make = (): TransactionCoordinator =>
    new TransactionCoordinator({ log, markerSender: sender, producerIds, clock, logger, config: { transactionStateLogNumPartitions: 1, ...config }, ...opts });
  const tc = make();
  tc.startup();
  await tc.onElection(0, coordinatorEpoch);
  const h = {
    clock,
    log,
    sender,
    producerIds,
    logger,
    tc,
    make,
    /** Lets durable-append and marker continuations run. */
    async settle(rounds = 8): Promise<void> {
      for (let i = 0; i < rounds; i++) await flush();
    },
    /** Advances time, then settles. */
    async tick(ms: number): Promise<void> {
      clock.advance(ms);
      await h.settle();
    },
    metadata(transactionalId = TXN) {
      const l = tc.states.getTransactionState(transactionalId);
      return l.owned ? l.metadata : null;
    },
    /** InitProducerId without an expected producer id/epoch. */
    async init(transactionalId = TXN, timeoutMs = 60000) {
      return tc.handleInitProducerId({ transactionalId, transactionTimeoutMs: timeoutMs, producerId: -1n, producerEpoch: -1 });
    },
    /** InitProducerId + AddPartitions: an Ongoing transaction on `partitions` of TOPIC. */
    async begin(transactionalId = TXN, partitions = [0, 1], timeoutMs = 60000) {
      const r = await h.init(transactionalId, timeoutMs);
      expect(r.errorCode).toBe(ErrorCode.NONE);
      const add = await tc.handleAddPartitionsToTransaction(transactionalId, r.producerId, r.producerEpoch, partitions.map((p) => ({ topic: TOPIC, partition: p })));
      expect(add).toBe(ErrorCode.NONE);
      return r;
    },
    states(transactionalId = TXN) {
      return log.statesOf(partitionFor(transactionalId, 1), transactionalId);
    },
  };
  return h;
}

export type Harness = Awaited<ReturnType<typeof makeHarness>>;
