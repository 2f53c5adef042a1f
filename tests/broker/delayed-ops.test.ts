import { DelayedFetch, DelayedProduce, type ProducePartitionStatus } from '../../broker/replica/delayed-ops';
import type { Partition } from '../../broker/replica/partition';
import { Purgatory } from '../../broker/replica/purgatory';
import { ErrorCode } from '../../protocol/errors';
import type { Clock } from '../../storage/clock';

class FakeClock implements Clock {
  t = 0;
  timers: { at: number; fn: () => void; id: number }[] = [];
  n = 0;
  now() {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = ++this.n;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(id: unknown) {
    this.timers = this.timers.filter((x) => x.id !== id);
  }
  advance(ms: number) {
    this.t += ms;
    for (const x of this.timers.filter((y) => y.at <= this.t)) {
      this.timers = this.timers.filter((y) => y !== x);
      x.fn();
    }
  }
}

/** Just the Partition fields the delayed operations read. */
type FakePartition = Partition & { highWatermark: bigint; appendedBytes: number; bytesBelowHighWatermark: number; isLeader: boolean; isr: number[] };
const fakePartition = (key: string) => ({ key, highWatermark: 0n, logStartOffset: 0n, appendedBytes: 0, bytesBelowHighWatermark: 0, isClosed: false, isLeader: true, isr: [1] }) as unknown as FakePartition;

describe('Broker > delayed produce / fetch', () => {
  it('DelayedProduce completes when the HW passes every append, else REQUEST_TIMED_OUT; errors stay', () => {
    const clock = new FakeClock();
    const purgatory = new Purgatory<DelayedProduce>('Produce', clock);
    const a = fakePartition('t-0');
    const b = fakePartition('t-1');
    let result: ProducePartitionStatus[] | undefined;
    const statuses: ProducePartitionStatus[] = [
      { partition: a, requiredOffset: 5n, minIsr: 1, errorCode: ErrorCode.NONE },
      { partition: b, requiredOffset: 3n, minIsr: 1, errorCode: ErrorCode.NONE },
      { partition: undefined, requiredOffset: 0n, minIsr: 1, errorCode: ErrorCode.CORRUPT_MESSAGE },
    ];
    expect(purgatory.tryCompleteElseWatch(new DelayedProduce(1000, statuses, (s) => (result = s)), ['t-0', 't-1'])).toBe(false);
    (a as { highWatermark: bigint }).highWatermark = 5n;
    purgatory.checkAndComplete('t-0');
    expect(result).toBeUndefined();
    (b as { highWatermark: bigint }).highWatermark = 3n;
    purgatory.checkAndComplete('t-1');
    expect(result!.map((s) => s.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.CORRUPT_MESSAGE]);

    let timedOut: ProducePartitionStatus[] | undefined;
    const c = fakePartition('t-2');
    purgatory.tryCompleteElseWatch(new DelayedProduce(1000, [{ partition: c, requiredOffset: 1n, minIsr: 1, errorCode: ErrorCode.NONE }], (s) => (timedOut = s)), ['t-2']);
    clock.advance(999);
    expect(timedOut).toBeUndefined();
    clock.advance(1);
    expect(timedOut![0]!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
  });

  it('a DelayedProduce forced out of the purgatory (shutdown) never answers NONE for a write the HW does not cover', () => {
    const clock = new FakeClock();
    const purgatory = new Purgatory<DelayedProduce>('Produce', clock);
    const covered = fakePartition('t-0');
    const behind = fakePartition('t-1');
    let result: ProducePartitionStatus[] | undefined;
    purgatory.tryCompleteElseWatch(
      new DelayedProduce(1000, [
        { partition: covered, requiredOffset: 5n, minIsr: 1, errorCode: ErrorCode.NONE },
        { partition: behind, requiredOffset: 5n, minIsr: 1, errorCode: ErrorCode.NONE },
      ], (s) => (result = s)),
      ['t-0', 't-1'],
    );
    covered.highWatermark = 5n;
    behind.highWatermark = 4n;
    purgatory.shutdown();
    expect(result!.map((s) => s.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NOT_LEADER_OR_FOLLOWER]);
  });

  it('DelayedProduce answers NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min.insync.replicas', () => {
    const clock = new FakeClock();
    const purgatory = new Purgatory<DelayedProduce>('Produce', clock);
    const a = fakePartition('t-0');
    a.isr = [1, 2, 3];
    let result: ProducePartitionStatus[] | undefined;
    purgatory.tryCompleteElseWatch(new DelayedProduce(1000, [{ partition: a, requiredOffset: 2n, minIsr: 2, errorCode: ErrorCode.NONE }], (s) => (result = s)), ['t-0']);
    a.isr = [1];
    a.highWatermark = 2n;
    purgatory.checkAndComplete('t-0');
    expect(result![0]!.errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
  });

  it('a consumer DelayedFetch waits for bytes below the HW, not for appended bytes; max.wait.ms ends it', () => {
    const clock = new FakeClock();
    const purgatory = new Purgatory<DelayedFetch>('Fetch', clock);
    const p = fakePartition('f-0');
    let done = 0;
    purgatory.tryCompleteElseWatch(new DelayedFetch(500, [{ partition: p, fetchOffset: 0n, follower: false, readableAtStart: 0 }], 100, 10, () => done++), ['f-0']);
    p.appendedBytes = 500; // appended, but not yet replicated: not readable by consumers
    purgatory.checkAndComplete('f-0');
    expect(done).toBe(0);
    p.bytesBelowHighWatermark = 50;
    purgatory.checkAndComplete('f-0');
    expect(done).toBe(0);
    p.bytesBelowHighWatermark = 95;
    purgatory.checkAndComplete('f-0');
    expect(done).toBe(1);
    purgatory.tryCompleteElseWatch(new DelayedFetch(500, [{ partition: p, fetchOffset: 0n, follower: false, readableAtStart: 95 }], 100, 0, () => done++), ['f-0']);
    clock.advance(500);
    expect(done).toBe(2);
    expect(purgatory.delayed).toBe(0);
  });

  it('a follower DelayedFetch completes on appended bytes (it reads to the log end)', () => {
    const clock = new FakeClock();
    const purgatory = new Purgatory<DelayedFetch>('Fetch', clock);
    const p = fakePartition('f-1');
    let done = 0;
    purgatory.tryCompleteElseWatch(new DelayedFetch(500, [{ partition: p, fetchOffset: 0n, follower: true, readableAtStart: 0 }], 1, 0, () => done++), ['f-1']);
    p.appendedBytes = 70;
    purgatory.checkAndComplete('f-1');
    expect(done).toBe(1);
  });
});
