/**
 * Replica assignment for new topics and partitions (Kafka's AdminUtils.assignReplicasToBrokers).
 *
 * Goals: replicas spread evenly over brokers; the followers of one broker's partitions spread
 * over the other brokers; with racks on every broker, a partition's replicas on distinct racks
 * where possible.
 *
 * Rack-unaware: partition i's first replica is broker (i + start) mod n in id order; the others
 * follow at an offset of 1 + (shift + j) mod (n - 1), and the shift grows by one each time the
 * partition index wraps around the broker list. `start` and the initial shift are random.
 *
 * Rack-aware: the same walk over a broker list interleaved by rack (racks sorted by name, one
 * broker of each in turn, each rack's brokers by id); a follower candidate is skipped while its
 * rack already holds a replica and some rack does not, or while it already holds one and some
 * broker does not.
 *
 * Errors (as Kafka's): INVALID_PARTITIONS for fewer than one partition, INVALID_REPLICATION_FACTOR
 * for a factor below one or above the broker count; brokers with and without racks mixed cannot
 * be assigned rack-aware (Kafka's AdminOperationException, which clients see as
 * UNKNOWN_SERVER_ERROR).
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';

export interface BrokerRack {
  readonly id: number;
  readonly rack: string | null;
}

export interface AssignmentOptions {
  /** First partition index to assign (adding partitions); default 0. */
  readonly startPartitionId?: number;
  /** A fixed start index and initial shift (>= 0), instead of random ones. */
  readonly fixedStartIndex?: number;
  /** Random integer in [0, bound); default Math.random. */
  readonly random?: (bound: number) => number;
}

const defaultRandom = (bound: number): number => Math.floor(Math.random() * bound);

/** partition index -> replica broker ids (first = preferred leader). */
export function assignReplicasToBrokers(
  brokers: readonly BrokerRack[],
  partitions: number,
  replicationFactor: number,
  opts: AssignmentOptions = {},
): Map<number, number[]> {
  if (partitions <= 0) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
  if (replicationFactor <= 0) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  if (replicationFactor > brokers.length) {
    throw new KafkaError(
      ErrorCode.INVALID_REPLICATION_FACTOR,
      `Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`,
    );
  }
  const sorted = [...brokers].sort((a, b) => a.id - b.id);
  const withRack = sorted.filter((b) => b.rack !== null);
  if (withRack.length === 0) return assignRackUnaware(sorted.map((b) => b.id), partitions, replicationFactor, opts);
  if (withRack.length < sorted.length) {
    throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'Not all brokers have rack information for replica rack aware assignment.');
  }
  return assignRackAware(sorted, partitions, replicationFactor, opts);
}

/** The first replica's start index and the followers' initial shift: fixed, or two random draws. */
function startAndShift(n: number, opts: AssignmentOptions): { start: number; shift: number } {
  const fixed = opts.fixedStartIndex ?? -1;
  const random = opts.random ?? defaultRandom;
  const start = fixed >= 0 ? fixed : random(n);
  const shift = fixed >= 0 ? fixed : random(n);
  return { start, shift };
}

/** Index of the j-th follower of a partition whose first replica is at `first`. */
function followerIndex(first: number, shift: number, j: number, n: number): number {
  const offset = 1 + ((shift + j) % (n - 1));
  return (first + offset) % n;
}

function assignRackUnaware(ids: readonly number[], partitions: number, rf: number, opts: AssignmentOptions): Map<number, number[]> {
  const n = ids.length;
  const out = new Map<number, number[]>();
  const drawn = startAndShift(n, opts);
  const start = drawn.start;
  let shift = drawn.shift;
  let p = Math.max(0, opts.startPartitionId ?? 0);
  for (let i = 0; i < partitions; i++, p++) {
    if (p > 0 && p % n === 0) shift++;
    const first = (p + start) % n;
    const replicas = [ids[first] as number];
    for (let j = 0; j < rf - 1; j++) replicas.push(ids[followerIndex(first, shift, j, n)] as number);
    out.set(p, replicas);
  }
  return out;
}

function assignRackAware(brokers: readonly BrokerRack[], partitions: number, rf: number, opts: AssignmentOptions): Map<number, number[]> {
  const rackOf = new Map(brokers.map((b) => [b.id, b.rack as string] as const));
  const racks = new Set(rackOf.values()).size;
  const arranged = rackAlternatedBrokerList(rackOf);
  const n = arranged.length;
  const out = new Map<number, number[]>();
  const drawn = startAndShift(n, opts);
  const start = drawn.start;
  let shift = drawn.shift;
  let p = Math.max(0, opts.startPartitionId ?? 0);
  for (let i = 0; i < partitions; i++, p++) {
    if (p > 0 && p % n === 0) shift++;
    const first = (p + start) % n;
    const leader = arranged[first] as number;
    const replicas = [leader];
    const usedRacks = new Set([rackOf.get(leader)]);
    const usedBrokers = new Set([leader]);
    let k = 0;
    for (let j = 0; j < rf - 1; j++) {
      for (;;) {
        const broker = arranged[followerIndex(first, shift * racks, k, n)] as number;
        const rack = rackOf.get(broker);
        k++;
        const rackOk = !usedRacks.has(rack) || usedRacks.size === racks;
        const brokerOk = !usedBrokers.has(broker) || usedBrokers.size === n;
        if (rackOk && brokerOk) {
          replicas.push(broker);
          usedRacks.add(rack);
          usedBrokers.add(broker);
          break;
        }
      }
    }
    out.set(p, replicas);
  }
  return out;
}

/** Brokers interleaved by rack: racks sorted by name, each rack's brokers by id, one per rack in turn. */
export function rackAlternatedBrokerList(rackOf: ReadonlyMap<number, string>): number[] {
  const byRack = new Map<string, number[]>();
  for (const [id, rack] of rackOf) {
    let l = byRack.get(rack);
    if (!l) byRack.set(rack, (l = []));
    l.push(id);
  }
  for (const l of byRack.values()) l.sort((a, b) => a - b);
  const racks = [...byRack.keys()].sort();
  const next = new Map<string, number>(racks.map((r) => [r, 0]));
  const out: number[] = [];
  for (let i = 0; out.length < rackOf.size; i = (i + 1) % racks.length) {
    const rack = racks[i] as string;
    const idx = next.get(rack) ?? 0;
    const id = byRack.get(rack)?.[idx];
    if (id !== undefined) {
      out.push(id);
      next.set(rack, idx + 1);
    }
  }
  return out;
}
