/**
 * AckCounter: every message a producer had acknowledged (topic, partition, offset, value), and
 * every send that failed, so a fault test can say at the end exactly what the cluster promised
 * and whether it kept it.
 *
 * Values are `<source>-<seq>`: one source (a producer loop) sends seq 0, 1, 2, ... in order,
 * one request at a time, so within a partition a source's values must appear in the log in
 * seq order. check() compares the acknowledgements with the records read back:
 * - lost: an acknowledged value that is not in the log at all;
 * - misplaced: an acknowledged value found, but not at the offset it was acknowledged with
 *   (an acknowledged offset must hold that record forever);
 * - order violations: within a partition, a source's values (first occurrences, in offset
 *   order) not in seq order;
 * - offset gaps: consumed offsets of a partition not contiguous from its first offset (these
 *   logs are never compacted and hold no transaction markers);
 * - duplicates (reported, allowed): a value present more than once (a retried send without
 *   idempotence).
 */
import { say } from './cluster';

export interface Ack {
  topic: string;
  partition: number;
  offset: bigint;
  value: string;
  /** When the acknowledgement arrived (ms since the epoch), to line up with broker logs. */
  at: number;
}

export interface ConsumedRecord {
  partition: number;
  offset: bigint;
  value: string;
}

export interface AckReport {
  acknowledged: number;
  consumed: number;
  lost: Ack[];
  misplaced: { ack: Ack; foundAt: bigint[] }[];
  orderViolations: string[];
  offsetGaps: string[];
  duplicates: number;
  failedSends: number;
  /** Failure reasons of failed sends, with counts. */
  failures: Record<string, number>;
}

export function seqOf(value: string): { source: string; seq: number } {
  const i = value.lastIndexOf('-');
  return { source: value.slice(0, i), seq: Number(value.slice(i + 1)) };
}

export class AckCounter {
  private readonly acks: Ack[] = [];
  private failedSends = 0;
  private readonly failures = new Map<string, number>();

  /** One acknowledged message. */
  ack(topic: string, partition: number, offset: bigint, value: string): void {
    this.acks.push({ topic, partition, offset, value, at: Date.now() });
  }

  /** `count` messages whose send failed (not acknowledged), with the reason. */
  fail(count: number, reason: string): void {
    this.failedSends += count;
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + count);
  }

  get acknowledged(): number {
    return this.acks.length;
  }

  get failed(): number {
    return this.failedSends;
  }

  /** Acknowledgements of `topic` (optionally of values passing `filter`). */
  acksOf(topic: string, filter: (a: Ack) => boolean = () => true): Ack[] {
    return this.acks.filter((a) => a.topic === topic && filter(a));
  }

  failureReasons(): Record<string, number> {
    return Object.fromEntries(this.failures);
  }

  /** Compares the acknowledgements of `topic` with `consumed` and prints one summary line. */
  check(label: string, topic: string, consumed: readonly ConsumedRecord[]): AckReport {
    const byPartition = new Map<number, ConsumedRecord[]>();
    const where = new Map<string, bigint[]>();
    for (const r of consumed) {
      const list = byPartition.get(r.partition) ?? [];
      list.push(r);
      byPartition.set(r.partition, list);
      const at = where.get(`${r.partition}/${r.value}`) ?? [];
      at.push(r.offset);
      where.set(`${r.partition}/${r.value}`, at);
    }
    const report: AckReport = {
      acknowledged: 0,
      consumed: consumed.length,
      lost: [],
      misplaced: [],
      orderViolations: [],
      offsetGaps: [],
      duplicates: 0,
      failedSends: this.failedSends,
      failures: this.failureReasons(),
    };
    for (const a of this.acksOf(topic)) {
      report.acknowledged++;
      const at = where.get(`${a.partition}/${a.value}`);
      if (!at) report.lost.push(a);
      else if (!at.includes(a.offset)) report.misplaced.push({ ack: a, foundAt: at });
    }
    for (const at of where.values()) if (at.length > 1) report.duplicates += at.length - 1;
    for (const [partition, records] of byPartition) {
      records.sort((x, y) => (x.offset < y.offset ? -1 : x.offset > y.offset ? 1 : 0));
      const lastSeq = new Map<string, number>();
      const seen = new Set<string>();
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        if (i > 0 && r.offset !== records[i - 1]!.offset + 1n) report.offsetGaps.push(`${topic}-${partition}: offset ${records[i - 1]!.offset} then ${r.offset}`);
        if (seen.has(r.value)) continue;
        seen.add(r.value);
        const { source, seq } = seqOf(r.value);
        const prev = lastSeq.get(source);
        if (prev !== undefined && seq < prev) report.orderViolations.push(`${topic}-${partition}: ${source} seq ${seq} at offset ${r.offset} after seq ${prev}`);
        lastSeq.set(source, seq);
      }
    }
    say(
      `[${label}] ${topic}: acknowledged ${report.acknowledged} / consumed ${report.consumed} / lost ${report.lost.length}` +
        ` (misplaced ${report.misplaced.length}, order violations ${report.orderViolations.length}, offset gaps ${report.offsetGaps.length},` +
        ` duplicates ${report.duplicates}, failed sends ${report.failedSends}${report.failedSends > 0 ? ` ${JSON.stringify(report.failures)}` : ''})`,
    );
    for (const a of report.lost.slice(0, 10)) say(`[${label}]   LOST ${a.topic}-${a.partition} offset ${a.offset} '${a.value}' acknowledged at ${new Date(a.at).toISOString()}`);
    for (const m of report.misplaced.slice(0, 10)) say(`[${label}]   MISPLACED ${m.ack.topic}-${m.ack.partition} acknowledged at ${m.ack.offset} '${m.ack.value}', found at [${m.foundAt}]`);
    for (const v of [...report.orderViolations, ...report.offsetGaps].slice(0, 10)) say(`[${label}]   ${v}`);
    return report;
  }
}

/** Jest assertions of a report: nothing acknowledged lost or moved, order kept, no gaps. */
export function expectNothingLost(report: AckReport): void {
  const show = <T>(xs: readonly T[]): string => JSON.stringify(xs.slice(0, 10), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  expect({ lost: report.lost.length, first: show(report.lost) }).toEqual({ lost: 0, first: '[]' });
  expect({ misplaced: report.misplaced.length, first: show(report.misplaced) }).toEqual({ misplaced: 0, first: '[]' });
  expect(report.orderViolations.slice(0, 10)).toEqual([]);
  expect(report.offsetGaps.slice(0, 10)).toEqual([]);
}
