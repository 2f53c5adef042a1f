import { ErrorCode, KafkaError } from '../../../protocol/errors';
import { assignReplicasToBrokers, rackAlternatedBrokerList } from '../../../coordinator/controller/replica-assignment';

const brokers = (ids: number[], rack?: (id: number) => string) => ids.map((id) => ({ id, rack: rack ? rack(id) : null }));

function codeOf(f: () => unknown): { code: ErrorCode; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof KafkaError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('no error');
}

describe('Controller > replica assignment', () => {
  it("rack-unaware: Kafka's layout for 5 brokers, 10 partitions, start 0", () => {
    const a = assignReplicasToBrokers(brokers([0, 1, 2, 3, 4]), 10, 3, { fixedStartIndex: 0 });
    expect([...a.entries()]).toEqual([
      [0, [0, 1, 2]],
      [1, [1, 2, 3]],
      [2, [2, 3, 4]],
      [3, [3, 4, 0]],
      [4, [4, 0, 1]],
      [5, [0, 2, 3]],
      [6, [1, 3, 4]],
      [7, [2, 4, 0]],
      [8, [3, 0, 1]],
      [9, [4, 1, 2]],
    ]);
  });

  it('spreads leaders and replicas evenly, whatever the random start', () => {
    for (const seed of [0, 1, 2, 3, 4]) {
      let draws = 0;
      const a = assignReplicasToBrokers(brokers([1, 2, 3, 4, 5]), 20, 3, { random: (bound) => (seed + draws++) % bound });
      const leaders = new Map<number, number>();
      const replicas = new Map<number, number>();
      for (const r of a.values()) {
        expect(new Set(r).size).toBe(3);
        leaders.set(r[0]!, (leaders.get(r[0]!) ?? 0) + 1);
        for (const b of r) replicas.set(b, (replicas.get(b) ?? 0) + 1);
      }
      expect([...leaders.values()]).toEqual([4, 4, 4, 4, 4]);
      expect([...replicas.values()]).toEqual([12, 12, 12, 12, 12]);
    }
  });

  it('uses the random source for the start index and the shift', () => {
    const draws: number[] = [];
    const a = assignReplicasToBrokers(brokers([10, 20, 30]), 1, 2, { random: (bound) => (draws.push(bound), 1) });
    expect(draws).toEqual([3, 3]);
    // start 1 -> first replica 20; shift 1 -> offset 1 + (1 + 0) % 2 = 2 -> 10.
    expect(a.get(0)).toEqual([20, 10]);
  });

  it('continues from startPartitionId when partitions are added', () => {
    const all = assignReplicasToBrokers(brokers([0, 1, 2]), 6, 2, { fixedStartIndex: 1 });
    const tail = assignReplicasToBrokers(brokers([0, 1, 2]), 3, 2, { fixedStartIndex: 1, startPartitionId: 3 });
    expect([...tail.entries()]).toEqual([...all.entries()].slice(3));
  });

  it('orders brokers by id whatever the input order', () => {
    expect(assignReplicasToBrokers(brokers([3, 1, 2]), 1, 3, { fixedStartIndex: 0 }).get(0)).toEqual([1, 2, 3]);
  });

  it('rejects bad partition counts and replication factors as Kafka does', () => {
    expect(codeOf(() => assignReplicasToBrokers(brokers([1, 2]), 0, 1))).toEqual({ code: ErrorCode.INVALID_PARTITIONS, message: 'Number of partitions must be larger than 0.' });
    expect(codeOf(() => assignReplicasToBrokers(brokers([1, 2]), 1, 0))).toEqual({ code: ErrorCode.INVALID_REPLICATION_FACTOR, message: 'Replication factor must be larger than 0.' });
    expect(codeOf(() => assignReplicasToBrokers(brokers([1, 2]), 1, 3))).toEqual({
      code: ErrorCode.INVALID_REPLICATION_FACTOR,
      message: 'Replication factor: 3 larger than available brokers: 2.',
    });
    expect(codeOf(() => assignReplicasToBrokers([{ id: 1, rack: 'a' }, { id: 2, rack: null }], 1, 1)).code).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
  });

  it('interleaves brokers by rack', () => {
    const racks = new Map([
      [0, 'rack1'],
      [1, 'rack3'],
      [2, 'rack3'],
      [3, 'rack2'],
      [4, 'rack2'],
      [5, 'rack1'],
    ]);
    expect(rackAlternatedBrokerList(racks)).toEqual([0, 3, 1, 5, 4, 2]);
  });

  it("rack-aware: Kafka's documented layout, and every partition on distinct racks", () => {
    const rackOf: Record<number, string> = { 0: 'rack1', 1: 'rack3', 2: 'rack3', 3: 'rack2', 4: 'rack2', 5: 'rack1' };
    const a = assignReplicasToBrokers(brokers([0, 1, 2, 3, 4, 5], (id) => rackOf[id]!), 7, 3, { fixedStartIndex: 0 });
    expect(a.get(0)).toEqual([0, 3, 1]);
    expect(a.get(1)).toEqual([3, 1, 5]);
    expect(a.get(5)).toEqual([2, 0, 3]);
    for (const r of a.values()) expect(new Set(r.map((b) => rackOf[b])).size).toBe(3);
  });

  it('rack-aware: replicas on distinct racks even with uneven racks and random starts', () => {
    const rackOf: Record<number, string> = { 1: 'a', 2: 'a', 3: 'a', 4: 'b', 5: 'c' };
    for (let seed = 0; seed < 5; seed++) {
      let draws = 0;
      const a = assignReplicasToBrokers(brokers([1, 2, 3, 4, 5], (id) => rackOf[id]!), 12, 3, { random: (bound) => (seed * 7 + draws++) % bound });
      for (const r of a.values()) {
        expect(new Set(r).size).toBe(3);
        expect(new Set(r.map((b) => rackOf[b])).size).toBe(3);
      }
    }
  });

  it('rack-aware: more replicas than racks puts one on every rack first', () => {
    const rackOf: Record<number, string> = { 1: 'a', 2: 'a', 3: 'b', 4: 'b' };
    const a = assignReplicasToBrokers(brokers([1, 2, 3, 4], (id) => rackOf[id]!), 4, 3, { fixedStartIndex: 0 });
    for (const r of a.values()) {
      expect(new Set(r).size).toBe(3);
      expect(new Set(r.slice(0, 2).map((b) => rackOf[b])).size).toBe(2);
    }
  });

  it('rack-aware: never puts two replicas of a partition on one broker when racks run out', () => {
    const rackOf: Record<number, string> = { 1: 'a', 2: 'a', 3: 'b', 4: 'c' };
    const a = assignReplicasToBrokers(brokers([1, 2, 3, 4], (id) => rackOf[id]!), 12, 4, { fixedStartIndex: 0 });
    for (const r of a.values()) expect(new Set(r).size).toBe(4);
  });
});
