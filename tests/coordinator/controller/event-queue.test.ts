import { ControllerEventQueue } from '../../../coordinator/controller/event-queue';
import {
  assertTransition,
  IllegalStateTransitionError,
  PartitionLifecycle,
  ReplicaDeletionState,
  VALID_PREVIOUS_DELETION_STATES,
  VALID_PREVIOUS_PARTITION_STATES,
} from '../../../coordinator/controller/lifecycle';

describe('Controller > event queue', () => {
  it('runs events one at a time, in order, each to completion', async () => {
    const q = new ControllerEventQueue(() => true, () => undefined);
    const log: string[] = [];
    const ev = (name: string) => ({
      name,
      run: async () => {
        log.push(`${name}:start`);
        await new Promise<void>((r) => setImmediate(r));
        log.push(`${name}:end`);
      },
    });
    q.put(ev('a'));
    q.put(ev('b'));
    await q.idle();
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end']);
  });

  it('reports a failure and goes on', async () => {
    const errors: string[] = [];
    const q = new ControllerEventQueue(() => true, (e) => errors.push(e.name));
    let ran = false;
    q.put({ name: 'bad', run: () => Promise.reject(new Error('x')) });
    q.put({ name: 'good', run: async () => void (ran = true) });
    await q.idle();
    expect(errors).toEqual(['bad']);
    expect(ran).toBe(true);
  });

  it('drops events of an ended controllership, keeps unbound ones', async () => {
    const q = new ControllerEventQueue((a) => a === 2, () => undefined);
    const ran: string[] = [];
    q.put({ name: 'old', activation: 1, run: async () => void ran.push('old') });
    q.put({ name: 'current', activation: 2, run: async () => void ran.push('current') });
    q.put({ name: 'unbound', run: async () => void ran.push('unbound') });
    await q.idle();
    expect(ran).toEqual(['current', 'unbound']);
  });

  it('idle() returns when the loop ended without awaiting (only dropped events)', async () => {
    const q = new ControllerEventQueue(() => false, () => undefined);
    q.put({ name: 'old', activation: 1, run: async () => undefined });
    await expect(Promise.race([q.idle().then(() => 'idle'), new Promise((r) => setTimeout(() => r('stuck'), 200))])).resolves.toBe('idle');
    let ran = false;
    q.put({ name: 'next', run: async () => void (ran = true) });
    await q.idle();
    expect(ran).toBe(true);
  });
});

describe('Controller > state machine tables', () => {
  it('refuses moves the tables do not list', () => {
    expect(() => assertTransition(VALID_PREVIOUS_PARTITION_STATES, 'p', PartitionLifecycle.Online, PartitionLifecycle.New)).toThrow(IllegalStateTransitionError);
    expect(() => assertTransition(VALID_PREVIOUS_DELETION_STATES, 'r', ReplicaDeletionState.Pending, ReplicaDeletionState.Successful)).toThrow(IllegalStateTransitionError);
    expect(() => assertTransition(VALID_PREVIOUS_DELETION_STATES, 'r', ReplicaDeletionState.Started, ReplicaDeletionState.Successful)).not.toThrow();
  });
});
