import { FetchSessionCache, sessionKey, type SessionPartition } from '../../broker/replica/fetch-session';
import { systemClock } from '../../storage/clock';

const part = (p: number): [string, SessionPartition] => [
  sessionKey('t', p),
  { topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partition: p, fetchOffset: 0n, maxBytes: 1, currentLeaderEpoch: -1, lastFetchedEpoch: -1, lastHighWatermark: -2n, lastStableOffset: -2n, lastLogStartOffset: -2n },
];

describe('Broker > fetch session cache', () => {
  it('is bounded: the least recently used session is evicted', () => {
    const c = new FetchSessionCache(2, systemClock);
    const a = c.create(new Map([part(0)]))!;
    const b = c.create(new Map([part(1)]))!;
    expect(c.get(a.id)).toBe(a); // a is now the most recently used
    const d = c.create(new Map([part(2)]))!;
    expect(c.size).toBe(2);
    expect(c.get(b.id)).toBeUndefined();
    expect(c.get(a.id)).toBe(a);
    expect(c.get(d.id)?.partitions.has(sessionKey('t', 2))).toBe(true);
    expect(c.evictions).toBe(1);
    expect(new Set([a.id, b.id, d.id]).size).toBe(3);
    expect(a.id).toBeGreaterThan(0);
  });

  it('creates no session when the cache has no slots', () => {
    expect(new FetchSessionCache(0, systemClock).create(new Map([part(0)]))).toBeUndefined();
  });
});
