import { electLeader, ElectionInput } from '../../../coordinator/controller/leader-election';
import { ReplicaSet } from '../../../coordinator/controller/replica-set';

function input(o: { replicas: number[]; adding?: number[]; removing?: number[]; isr: number[]; live: number[]; shuttingDown?: number[]; unclean?: boolean }): ElectionInput {
  const shuttingDown = new Set(o.shuttingDown ?? []);
  return {
    replicas: ReplicaSet.of(o.replicas, o.adding ?? [], o.removing ?? []),
    state: { leader: -1, leaderEpoch: 3, isr: o.isr, controllerEpoch: 1, leaderRecoveryState: 0, version: 5 },
    isLive: (id) => o.live.includes(id) && !shuttingDown.has(id),
    isLiveOrShuttingDown: (id) => o.live.includes(id),
    shuttingDown,
    uncleanAllowed: o.unclean ?? false,
  };
}

describe('Controller > leader election algorithms', () => {
  it('offline: first live ISR member in assignment order; ISR without the dead', () => {
    expect(electLeader({ kind: 'offline', allowUnclean: false }, input({ replicas: [1, 2, 3], isr: [3, 2, 1], live: [2, 3] }))).toEqual({ leader: 2, isr: [3, 2], leaderRecoveryState: 0 });
  });

  it('offline: nobody outside the ISR unless unclean is allowed; then RECOVERING, alone in the ISR', () => {
    expect(electLeader({ kind: 'offline', allowUnclean: false }, input({ replicas: [1, 2, 3], isr: [1], live: [2, 3] }))).toBeNull();
    expect(electLeader({ kind: 'offline', allowUnclean: false }, input({ replicas: [1, 2, 3], isr: [1], live: [2, 3], unclean: true }))).toEqual({ leader: 2, isr: [2], leaderRecoveryState: 1 });
    expect(electLeader({ kind: 'offline', allowUnclean: true }, input({ replicas: [1, 2], isr: [1], live: [], unclean: true }))).toBeNull();
  });

  it('offline: a shutting-down broker is not eligible', () => {
    expect(electLeader({ kind: 'offline', allowUnclean: false }, input({ replicas: [1, 2, 3], isr: [1, 2, 3], live: [2, 3], shuttingDown: [2] }))).toMatchObject({ leader: 3 });
  });

  it('reassignment: first target replica that is live and in the ISR; ISR unchanged', () => {
    const i = input({ replicas: [4, 5, 1], adding: [4, 5], removing: [1], isr: [1, 5], live: [1, 4, 5] });
    expect(electLeader({ kind: 'reassign' }, i)).toEqual({ leader: 5, isr: [1, 5], leaderRecoveryState: 0 });
  });

  it('preferred: only the first assigned replica, if live and in the ISR', () => {
    expect(electLeader({ kind: 'preferred' }, input({ replicas: [2, 1], isr: [1, 2], live: [1, 2] }))).toEqual({ leader: 2, isr: [1, 2], leaderRecoveryState: 0 });
    expect(electLeader({ kind: 'preferred' }, input({ replicas: [2, 1], isr: [1], live: [1, 2] }))).toBeNull();
    expect(electLeader({ kind: 'preferred' }, input({ replicas: [2, 1], isr: [1, 2], live: [1] }))).toBeNull();
  });

  it('controlled shutdown: another ISR member; the ISR drops the shutting-down brokers', () => {
    const i = input({ replicas: [1, 2, 3], isr: [1, 2, 3], live: [1, 2, 3], shuttingDown: [1] });
    expect(electLeader({ kind: 'controlled-shutdown' }, i)).toEqual({ leader: 2, isr: [2, 3], leaderRecoveryState: 0 });
    expect(electLeader({ kind: 'controlled-shutdown' }, input({ replicas: [1, 2], isr: [1], live: [1, 2], shuttingDown: [1] }))).toBeNull();
  });
});
