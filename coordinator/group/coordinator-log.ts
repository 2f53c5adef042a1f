/**
 * How the group coordinator reaches the __consumer_offsets partitions. The broker implements
 * CoordinatorLog on top of its replica manager (leader appends with acks=all); tests use
 * MemoryCoordinatorLog. The coordinator speaks records (key/value) through RecordLog, which
 * frames them as magic-2 batches (offsets.topic.compression.codec, CreateTime = the coordinator clock).
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { buildRecordBatch, readRecords } from '../../protocol/records/record';
import { iterateBatches } from '../../protocol/records/batch-iterator';
import { CompressionType, RecordBatchView } from '../../protocol/records/record-batch';
import { ControlRecordType, readControlRecordType } from '../../protocol/records/control-record';

export const GROUP_METADATA_TOPIC_NAME = '__consumer_offsets';

export interface CoordinatorLog {
  /**
   * Appends one record batch to partition `partition` of __consumer_offsets as leader.
   * Resolves once the batch is committed (acks=all; high watermark past it). Rejects with a
   * KafkaError (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT, ...). Resolves
   * with the base offset the batch got, when the log knows it (orders transactional offset
   * commits against the offsets they would replace, as Kafka's CommitRecordMetadataAndOffset).
   */
  append(partition: number, batch: Buffer): Promise<bigint | void>;
  /** Whole batches starting with the one containing `fromOffset` (may be empty at the end). */
  read(partition: number, fromOffset: bigint, maxBytes: number): Promise<Buffer>;
  /** First offset present in the partition. */
  startOffset(partition: number): Promise<bigint>;
  /**
   * Where loading stops: the leader's log end offset, as Kafka's GroupMetadataManager loads. A
   * new leader's high watermark can trail what the ISR holds until its followers fetch again,
   * and a commit acknowledged by the old leader lies in that gap.
   */
  endOffset(partition: number): Promise<bigint>;
}

export interface CoordinatorRecord {
  key: Buffer;
  /** null = tombstone. */
  value: Buffer | null;
}

export interface ReadRecord extends CoordinatorRecord {
  offset: bigint;
  /** The batch's producer id (-1 outside transactions) and transactional flag. */
  producerId: bigint;
  isTransactional: boolean;
}

/** A COMMIT or ABORT control record met while replaying (a transaction marker). */
export interface ReadMarker {
  offset: bigint;
  producerId: bigint;
  isCommit: boolean;
}

/** Transactional offset commits: their own batch with the producer's id and epoch. */
export interface TransactionalAppend {
  producerId: bigint;
  producerEpoch: number;
}

/** Soft cap on one coalesced batch (bytes of keys and values); below max.message.bytes. */
export const MAX_COALESCED_BYTES = 512 * 1024;

interface PendingAppend {
  records: readonly CoordinatorRecord[];
  timestampMs: number;
  bytes: number;
  resolve: (baseOffset: bigint | undefined) => void;
  reject: (e: unknown) => void;
}

/**
 * Record-level access to the coordinator partitions.
 *
 * Group commit: at most one append per partition is in flight; appends requested meanwhile are
 * queued and then written together as one batch, in request order. Each caller's promise settles
 * with the batch that carried its records, so durability and ordering per caller are unchanged.
 */
export class RecordLog {
  private readonly queues = new Map<number, { inFlight: boolean; waiting: PendingAppend[] }>();

  constructor(
    readonly log: CoordinatorLog,
    /** The codec of every batch written (offsets.topic.compression.codec). */
    private readonly compression: CompressionType = CompressionType.None,
  ) {}

  /**
   * Appends records (in one batch with any queued neighbours); resolves when durable, with the
   * base offset of the batch that carried them when the log reports it.
   */
  append(partition: number, records: readonly CoordinatorRecord[], timestampMs: number): Promise<bigint | undefined> {
    if (records.length === 0) return Promise.resolve(undefined);
    let q = this.queues.get(partition);
    if (!q) {
      q = { inFlight: false, waiting: [] };
      this.queues.set(partition, q);
    }
    let bytes = 0;
    for (const r of records) bytes += r.key.length + (r.value?.length ?? 0) + 16;
    const queue = q;
    return new Promise<bigint | undefined>((resolve, reject) => {
      queue.waiting.push({ records, timestampMs, bytes, resolve, reject });
      if (!queue.inFlight) this.drain(partition, queue);
    });
  }

  /**
   * Appends a transactional offset commit as a batch of its own (never coalesced: the batch
   * carries the producer's id, epoch and the transactional flag, base sequence 0, as Kafka's
   * GroupMetadataManager writes it). Resolves with the batch's base offset when known.
   */
  async appendTransactional(partition: number, records: readonly CoordinatorRecord[], timestampMs: number, txn: TransactionalAppend): Promise<bigint | undefined> {
    const batch = buildRecordBatch({
      compression: this.compression,
      producerId: txn.producerId,
      producerEpoch: txn.producerEpoch,
      baseSequence: 0,
      isTransactional: true,
      records: records.map((r) => ({ key: r.key, value: r.value, timestamp: timestampMs })),
    });
    return (await this.log.append(partition, batch)) ?? undefined;
  }

  private drain(partition: number, q: { inFlight: boolean; waiting: PendingAppend[] }): void {
    if (q.waiting.length === 0) {
      q.inFlight = false;
      return;
    }
    q.inFlight = true;
    let take = 0;
    let bytes = 0;
    while (take < q.waiting.length && (take === 0 || bytes + q.waiting[take]!.bytes <= MAX_COALESCED_BYTES)) bytes += q.waiting[take++]!.bytes;
    const group = q.waiting.splice(0, take);
    let done: Promise<bigint | void>;
    try {
      const batch = buildRecordBatch({ compression: this.compression, records: group.flatMap((w) => w.records.map((r) => ({ key: r.key, value: r.value, timestamp: w.timestampMs }))) });
      done = this.log.append(partition, batch);
    } catch (e) {
      done = Promise.reject(e);
    }
    done.then(
      (baseOffset) => {
        for (const w of group) w.resolve(baseOffset ?? undefined);
        this.drain(partition, q);
      },
      (e: unknown) => {
        for (const w of group) w.reject(e);
        this.drain(partition, q);
      },
    );
  }

  /**
   * Calls `visit` for every data record from the log start to the log end, in order, and
   * `onMarker` for every transaction marker (control batches of other kinds are skipped).
   */
  async replay(partition: number, maxBytes: number, visit: (r: ReadRecord) => void, onMarker?: (m: ReadMarker) => void): Promise<void> {
    let offset = await this.log.startOffset(partition);
    const end = await this.log.endOffset(partition);
    while (offset < end) {
      const buf = await this.log.read(partition, offset, maxBytes);
      let progressed = false;
      for (const entry of iterateBatches(buf)) {
        const view = entry.view;
        if (!view) continue;
        const next = view.lastOffset + 1n;
        if (next <= offset) continue;
        progressed = true;
        if (!view.isControl) {
          const producerId = view.producerId;
          const isTransactional = view.isTransactional;
          for (const rec of readRecords(view)) {
            if (rec.offset < offset || rec.offset >= end || rec.key === null) continue;
            visit({ offset: rec.offset, key: rec.key, value: rec.value, producerId, isTransactional });
          }
        } else if (onMarker && view.baseOffset >= offset && view.baseOffset < end) {
          const first = readRecords(view)[0];
          const type = first ? readControlRecordType(first.key) : ControlRecordType.UNKNOWN;
          if (type === ControlRecordType.COMMIT || type === ControlRecordType.ABORT) onMarker({ offset: view.baseOffset, producerId: view.producerId, isCommit: type === ControlRecordType.COMMIT });
        }
        offset = next;
        if (offset >= end) break;
      }
      if (!progressed) {
        if (buf.length === 0) break; // nothing more readable below the end offset
        if (maxBytes >= 0x7fffffff) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `unreadable batch at offset ${offset} of ${GROUP_METADATA_TOPIC_NAME}-${partition}`);
        maxBytes = Math.min(maxBytes * 2, 0x7fffffff); // a batch larger than the buffer: widen
      }
    }
  }
}

/** In-memory CoordinatorLog: per-partition batch arrays with assigned offsets. */
export class MemoryCoordinatorLog implements CoordinatorLog {
  private readonly parts = new Map<number, { batches: Buffer[]; end: bigint }>();
  /** When set, append rejects with this error code (tests). */
  failWith: ErrorCode | null = null;
  /** Number of successful appends (tests). */
  appends = 0;

  private part(p: number): { batches: Buffer[]; end: bigint } {
    let s = this.parts.get(p);
    if (!s) {
      s = { batches: [], end: 0n };
      this.parts.set(p, s);
    }
    return s;
  }

  async append(partition: number, batch: Buffer): Promise<bigint> {
    if (this.failWith !== null) throw new KafkaError(this.failWith);
    const s = this.part(partition);
    const copy = Buffer.from(batch);
    const view = new RecordBatchView(copy);
    const base = s.end;
    view.setBaseOffset(base);
    s.end = view.lastOffset + 1n;
    s.batches.push(copy);
    this.appends++;
    return base;
  }

  async read(partition: number, fromOffset: bigint, maxBytes: number): Promise<Buffer> {
    const s = this.part(partition);
    const out: Buffer[] = [];
    let size = 0;
    for (const b of s.batches) {
      const v = new RecordBatchView(b);
      if (v.lastOffset < fromOffset) continue;
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

  /** All records of a partition, decoded from the stored batches (tests). */
  records(partition: number): ReadRecord[] {
    const out: ReadRecord[] = [];
    for (const b of this.part(partition).batches) {
      const v = new RecordBatchView(b);
      if (v.isControl) continue;
      for (const r of readRecords(b)) if (r.key) out.push({ offset: r.offset, key: Buffer.from(r.key), value: r.value ? Buffer.from(r.value) : null, producerId: v.producerId, isTransactional: v.isTransactional });
    }
    return out;
  }
}
