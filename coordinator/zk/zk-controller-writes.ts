/**
 * The controller's writes to ZooKeeper: the election (/controller + /controller_epoch), and the
 * fenced writes, each one multi-op led by a version check of /controller_epoch so that a stale
 * fence writes nothing: topic deletion, and the partition states
 * /brokers/topics/<t>/partitions/<p>/state (Kafka's updateLeaderAndIsr and
 * createTopicPartitionStatesRaw), which are also read on demand.
 *
 * A batch is one multi per MAX_OPS_PER_MULTI updates: the /controller_epoch check, the missing
 * parent znodes, then one create (expectedVersion -1) or conditional setData per update. ZooKeeper
 * names the first op that failed; an update that failed its condition is taken out as a conflict
 * and the rest is tried again, so every update ends written or reported, and a stale fence
 * writes nothing.
 */
import { ControllerMovedError, type ControllerFence, type PartitionState, type PartitionStateUpdate, type PartitionStateWriteResult } from '../metadata-store';
import { ConfigEntityZNode, ControllerEpochZNode, ControllerZNode, DeleteTopicsTopicZNode, TopicPartitionStateZNode, TopicPartitionZNode, TopicPartitionsZNode, TopicZNode } from './znodes';
import { ZkCode, ZkError, isZkError, type ZkOp, type ZkSession, type ZkStat } from './zk-session';

const RETRIES = 5;

/**
 * Kafka's registerControllerAndIncrementControllerEpoch: /controller_epoch is created with 0
 * when missing, then one multi creates /controller and sets the epoch + 1 conditionally on the
 * version read. The first controller of a cluster gets epoch 1, version 1. Null: /controller
 * exists (another broker is the controller).
 */
export async function electController(zk: ZkSession, brokerId: number): Promise<ControllerFence | null> {
  for (let i = 0; i < RETRIES; i++) {
    const current = await zk.getData(ControllerEpochZNode.path());
    if (!current) {
      await zk.create(ControllerEpochZNode.path(), ControllerEpochZNode.encode(0), 'persistent').catch((e) => {
        if (!isZkError(e, ZkCode.NODE_EXISTS)) throw e;
      });
      continue;
    }
    const epoch = ControllerEpochZNode.decode(current.data) + 1;
    try {
      const [, set] = await zk.multi([
        { op: 'create', path: ControllerZNode.path(), data: ControllerZNode.encode(brokerId, Date.now()), mode: 'ephemeral' },
        { op: 'setData', path: ControllerEpochZNode.path(), data: ControllerEpochZNode.encode(epoch), version: current.stat.version },
      ]);
      return { controllerEpoch: epoch, epochVersion: set!.stat!.version };
    } catch (e) {
      if (e instanceof ZkError && e.failedOp === 0 && e.code === ZkCode.NODE_EXISTS) return null;
      if (!(e instanceof ZkError && e.failedOp === 1 && e.code === ZkCode.BAD_VERSION)) throw e; // else: raced, read again
    }
  }
  throw new Error(`could not become the controller: ${ControllerEpochZNode.path()} kept changing`);
}

/** The topic's subtree, its config and its deletion mark, whichever exist, in one fenced multi. */
export async function deleteTopicZnodes(zk: ZkSession, fence: ControllerFence, name: string): Promise<void> {
  for (let i = 0; i < RETRIES; i++) {
    const paths = (await subtree(zk, TopicZNode.path(name))).reverse();
    for (const p of [ConfigEntityZNode.path('topics', name), DeleteTopicsTopicZNode.path(name)]) if (await zk.exists(p)) paths.push(p);
    if (paths.length === 0) return;
    try {
      await fencedMulti(zk, fence, paths.map((path): ZkOp => ({ op: 'delete', path, version: -1 })));
      return;
    } catch (e) {
      if (!isZkError(e, ZkCode.NO_NODE) && !isZkError(e, ZkCode.NOT_EMPTY)) throw e; // else: changed meanwhile
    }
  }
  throw new Error(`could not delete topic ${name}: its znodes kept changing`);
}

/** The path and all its descendants, parents before children (empty when it does not exist). */
async function subtree(zk: ZkSession, path: string): Promise<string[]> {
  const children = await zk.getChildren(path);
  if (children === null) return [];
  const out = [path];
  for (const c of children) out.push(...(await subtree(zk, `${path}/${c}`)));
  return out;
}

/** Keeps each multi well under ZooKeeper's 1 MB request limit (jute.maxbuffer). */
export const MAX_OPS_PER_MULTI = 1000;

/** A multi-op led by the fence's version check of /controller_epoch; `failedOp` of an error indexes `ops`. */
export async function fencedMulti(zk: ZkSession, fence: ControllerFence, ops: readonly ZkOp[]): Promise<{ readonly stat?: ZkStat }[]> {
  try {
    return (await zk.multi([{ op: 'check', path: ControllerEpochZNode.path(), version: fence.epochVersion }, ...ops])).slice(1);
  } catch (e) {
    if (e instanceof ZkError && e.failedOp === 0) {
      throw new ControllerMovedError(`${ControllerEpochZNode.path()} is no longer at version ${fence.epochVersion} (epoch ${fence.controllerEpoch}): another controller was elected`);
    }
    if (e instanceof ZkError && e.failedOp > 0) throw new ZkError(e.code, e.op, e.path, e.codeName, e.failedOp - 1);
    throw e;
  }
}

export async function readPartitionStates(zk: ZkSession, topic: string): Promise<ReadonlyMap<number, PartitionState>> {
  const partitions = ((await zk.getChildren(TopicPartitionsZNode.path(topic))) ?? []).map(Number).filter(Number.isInteger);
  const read = await Promise.all(partitions.map(async (p) => [p, await readState(zk, topic, p)] as const));
  return new Map(read.filter((r): r is readonly [number, PartitionState] => r[1] !== undefined).sort((a, b) => a[0] - b[0]));
}

async function readState(zk: ZkSession, topic: string, partition: number): Promise<PartitionState | undefined> {
  const path = TopicPartitionStateZNode.path(topic, partition);
  const d = await zk.getData(path);
  return d ? Object.freeze({ ...TopicPartitionStateZNode.decode(path, d.data), version: d.stat.version }) : undefined;
}

const CONFLICT_CODES: ReadonlySet<number> = new Set([ZkCode.BAD_VERSION, ZkCode.NO_NODE, ZkCode.NODE_EXISTS]);

export async function writePartitionStates(
  zk: ZkSession,
  fence: ControllerFence,
  updates: readonly PartitionStateUpdate[],
  partitionExists: (u: PartitionStateUpdate) => boolean,
): Promise<PartitionStateWriteResult[]> {
  const results: (PartitionStateWriteResult | undefined)[] = updates.map((u) => (partitionExists(u) ? undefined : { ok: false, current: undefined }));
  const pending = updates.map((_, i) => i).filter((i) => results[i] === undefined);
  const conflicts: number[] = [];
  for (let start = 0; start < pending.length; start += MAX_OPS_PER_MULTI) {
    let batch = pending.slice(start, start + MAX_OPS_PER_MULTI);
    while (batch.length > 0) {
      const parents = await missingParents(zk, batch.map((i) => updates[i]!));
      const ops: ZkOp[] = [...parents.map((path): ZkOp => ({ op: 'create', path, data: null, mode: 'persistent' })), ...batch.map((i) => stateOp(updates[i]!))];
      try {
        const done = await fencedMulti(zk, fence, ops);
        batch.forEach((i, k) => {
          const u = updates[i]!;
          const version = u.expectedVersion === -1 ? 0 : done[parents.length + k]!.stat!.version;
          results[i] = { ok: true, state: Object.freeze({ ...u.state, isr: Object.freeze([...u.state.isr]), version }) };
        });
        break;
      } catch (e) {
        if (!(e instanceof ZkError) || e.failedOp < 0 || !CONFLICT_CODES.has(e.code)) throw e;
        if (e.failedOp < parents.length) {
          // A parent appeared (another writer) or the topic znode is gone: look again.
          if (e.code === ZkCode.NODE_EXISTS) continue;
          const topic = e.path.split('/')[3]!;
          for (const i of batch) if (updates[i]!.topic === topic) results[i] = { ok: false, current: undefined };
          batch = batch.filter((i) => updates[i]!.topic !== topic);
          continue;
        }
        const failed = batch[e.failedOp - parents.length]!;
        conflicts.push(failed);
        batch = batch.filter((i) => i !== failed);
      }
    }
  }
  for (const i of conflicts) results[i] = { ok: false, current: await readState(zk, updates[i]!.topic, updates[i]!.partition) };
  return results.map((r) => r!);
}

function stateOp(u: PartitionStateUpdate): ZkOp {
  const path = TopicPartitionStateZNode.path(u.topic, u.partition);
  const data = TopicPartitionStateZNode.encode(u.state);
  return u.expectedVersion === -1 ? { op: 'create', path, data, mode: 'persistent' } : { op: 'setData', path, data, version: u.expectedVersion };
}

/** The partitions/ and partitions/<p> znodes that creating these states needs, parents first. */
async function missingParents(zk: ZkSession, updates: readonly PartitionStateUpdate[]): Promise<string[]> {
  const out: string[] = [];
  const byTopic = new Map<string, Set<number>>();
  for (const u of updates) if (u.expectedVersion === -1) byTopic.set(u.topic, (byTopic.get(u.topic) ?? new Set()).add(u.partition));
  for (const [topic, partitions] of byTopic) {
    const existing = await zk.getChildren(TopicPartitionsZNode.path(topic));
    if (existing === null) out.push(TopicPartitionsZNode.path(topic));
    const have = new Set(existing ?? []);
    for (const p of [...partitions].sort((a, b) => a - b)) if (!have.has(String(p))) out.push(TopicPartitionZNode.path(topic, p));
  }
  return out;
}
