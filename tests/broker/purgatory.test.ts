import { DelayedOperation, Purgatory } from '../../broker/replica/purgatory';
import type { Clock } from '../../storage/clock';

class FakeClock implements Clock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(id: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== id);
  }
  advance(ms: number): void {
    this.t += ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= this.t).sort((a, b) => a.at - b.at)[0];
      if (!due) return;
      this.timers = this.timers.filter((x) => x !== due);
      due.fn();
    }
  }
  get pending(): number {
    return this.timers.length;
  }
}

class Op extends DelayedOperation {
  ready = false;
  completions = 0;
  expired = false;
  tryComplete(): boolean {
    return this.ready ? this.forceComplete() : false;
  }
  protected override onExpiration(): void {
    this.expired = true;
  }
  protected onComplete(): void {
    this.completions++;
  }
}

describe('Broker > purgatory', () => {
  it('completes at once when tryComplete succeeds, without watching or a timer', () => {
    const clock = new FakeClock();
    const p = new Purgatory<Op>('t', clock);
    const op = new Op(100);
    op.ready = true;
    expect(p.tryCompleteElseWatch(op, ['a'])).toBe(true);
    expect(op.completions).toBe(1);
    expect(p.delayed).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('completes a watched operation when a key is checked and it became ready, exactly once', () => {
    const clock = new FakeClock();
    const p = new Purgatory<Op>('t', clock);
    const op = new Op(100);
    expect(p.tryCompleteElseWatch(op, ['a', 'b'])).toBe(false);
    expect(p.delayed).toBe(1);
    expect(p.checkAndComplete('a')).toBe(0);
    op.ready = true;
    expect(p.checkAndComplete('b')).toBe(1);
    expect(p.checkAndComplete('a')).toBe(0);
    clock.advance(1000);
    expect(op.completions).toBe(1);
    expect(op.expired).toBe(false);
    expect(p.delayed).toBe(0);
    expect(p.watchedKeys).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('expires after the delay on the injected clock and unwatches', () => {
    const clock = new FakeClock();
    const p = new Purgatory<Op>('t', clock);
    const op = new Op(100);
    p.tryCompleteElseWatch(op, ['a']);
    clock.advance(99);
    expect(op.completions).toBe(0);
    clock.advance(1);
    expect(op.expired).toBe(true);
    expect(op.completions).toBe(1);
    expect(p.expired).toBe(1);
    expect(p.watchedKeys).toBe(0);
    op.ready = true;
    expect(p.checkAndComplete('a')).toBe(0);
    expect(op.completions).toBe(1);
  });

  it('shutdown force-completes every waiting operation', () => {
    const clock = new FakeClock();
    const p = new Purgatory<Op>('t', clock);
    const ops = [new Op(100), new Op(200), new Op(300)];
    ops.forEach((op, i) => p.tryCompleteElseWatch(op, [`k${i}`, 'shared']));
    p.shutdown();
    expect(ops.map((o) => o.completions)).toEqual([1, 1, 1]);
    expect(ops.some((o) => o.expired)).toBe(false);
    expect(p.delayed).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
