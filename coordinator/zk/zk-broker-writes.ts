/**
 * The writes any broker makes to ZooKeeper, in Kafka's ways (KafkaZkClient): its registration,
 * the broker id sequence, topic creation and entity configs. Each takes the session to write on;
 * the store runs them on its task chain and updates its view after.
 */
import { BrokerIdInUseError, PRODUCER_ID_BLOCK_SIZE, type BrokerRegistrationInput, type NewTopic, type ProducerIdBlock } from '../metadata-store';
import { topicExists } from '../metadata-view';
import { BrokerIdZNode, BrokerSequenceIdZNode, ProducerIdBlockZNode, ConfigEntityChangeNotificationSequenceZNode as ChangeSeq, ConfigEntityZNode, TopicZNode, type ConfigEntityType } from './znodes';
import { ZkCode, ZkError, isZkError, type ZkOp, type ZkSession } from './zk-session';

const RETRIES = 5;

/** Kafka's registerBroker: the ephemeral /brokers/ids/<id>; resolves with the broker epoch (its czxid). */
export async function createBrokerZnode(zk: ZkSession, input: BrokerRegistrationInput): Promise<bigint> {
  const path = BrokerIdZNode.path(input.brokerId);
  const data = BrokerIdZNode.encode(input, Date.now());
  for (let i = 0; i < RETRIES; i++) {
    try {
      // As Kafka: create empty, then set the data, so the stat (czxid = broker epoch) comes back.
      const [, set] = await zk.multi([{ op: 'create', path, data: null, mode: 'ephemeral' }, { op: 'setData', path, data, version: 0 }]);
      return set!.stat!.czxid;
    } catch (e) {
      if (!isZkError(e, ZkCode.NODE_EXISTS)) throw e;
      const existing = await zk.getData(path);
      if (!existing) continue; // went away meanwhile
      if (existing.stat.ephemeralOwner !== zk.sessionId()) throw new BrokerIdInUseError(input.brokerId);
      await zk.setData(path, data, -1);
      return existing.stat.czxid;
    }
  }
  throw new Error(`could not register broker ${input.brokerId}: ${path} kept appearing and disappearing`);
}

/** Kafka's generateBrokerSequenceId: the version of /brokers/seqid after an unconditional set. */
export async function nextBrokerSequence(zk: ZkSession): Promise<number> {
  try {
    return (await zk.setData(BrokerSequenceIdZNode.path(), Buffer.alloc(0), -1)).version;
  } catch (e) {
    if (!isZkError(e, ZkCode.NO_NODE)) throw e;
    await zk.ensurePath(BrokerSequenceIdZNode.path());
    return (await zk.setData(BrokerSequenceIdZNode.path(), Buffer.alloc(0), -1)).version;
  }
}

const LONG_MAX = 9223372036854775807n;

/**
 * Kafka's ZkProducerIdManager.getNewProducerIdBlock: the block after the one in
 * /latest_producer_id_block, written conditionally on the znode's version (created when absent);
 * a concurrent allocation by another broker makes it read and try again.
 */
export async function allocateProducerIdBlock(zk: ZkSession, brokerId: number): Promise<ProducerIdBlock> {
  const path = ProducerIdBlockZNode.path();
  for (let attempt = 0; ; attempt++) {
    const current = await zk.getData(path);
    const lastEnd = current ? ProducerIdBlockZNode.decodeBlockEnd(current.data) : null;
    const first = lastEnd === null ? 0n : lastEnd + 1n;
    if (first + BigInt(PRODUCER_ID_BLOCK_SIZE) - 1n > LONG_MAX) throw new Error('producer ids exhausted: the next block would pass Long.MAX_VALUE');
    const data = ProducerIdBlockZNode.encode(brokerId, first, first + BigInt(PRODUCER_ID_BLOCK_SIZE) - 1n);
    try {
      if (current) await zk.setData(path, data, current.stat.version);
      else await zk.create(path, data, 'persistent');
      return { assignedBrokerId: brokerId, firstProducerId: first, size: PRODUCER_ID_BLOCK_SIZE };
    } catch (e) {
      if (!(isZkError(e, ZkCode.BAD_VERSION) || isZkError(e, ZkCode.NODE_EXISTS) || isZkError(e, ZkCode.NO_NODE)) || attempt >= 50) throw e;
    }
  }
}

/**
 * The config znode and the topic znode in one multi (Kafka writes the config first, not
 * atomically), then the topic znode's data watch. A topic znode that exists is topicExists.
 */
export async function createTopicZnodes(zk: ZkSession, t: NewTopic): Promise<void> {
  const cfgPath = ConfigEntityZNode.path('topics', t.name);
  const cfg = ConfigEntityZNode.encode(t.configs);
  const topicOp: ZkOp = { op: 'create', path: TopicZNode.path(t.name), data: TopicZNode.encode(t.name, { topicId: t.topicId, assignment: t.assignment, addingReplicas: new Map(), removingReplicas: new Map() }), mode: 'persistent' };
  try {
    await zk.multi([{ op: 'create', path: cfgPath, data: cfg, mode: 'persistent' }, topicOp]).catch(async (e) => {
      // A config left by an earlier topic of that name: overwrite it.
      if (!(e instanceof ZkError && e.failedOp === 0 && e.code === ZkCode.NODE_EXISTS)) throw e;
      await zk.multi([{ op: 'setData', path: cfgPath, data: cfg, version: -1 }, topicOp]);
    });
  } catch (e) {
    if (e instanceof ZkError && e.failedOp === 1 && e.code === ZkCode.NODE_EXISTS) throw topicExists(t.name);
    throw e;
  }
  await zk.getData(TopicZNode.path(t.name), true);
}

/** Kafka's changeEntityConfig: set (or create) /config/<type>/<name>, then a change notification. */
export async function changeEntityConfig(zk: ZkSession, type: ConfigEntityType, name: string, configs: Readonly<Record<string, string>>): Promise<void> {
  const path = ConfigEntityZNode.path(type, name);
  const data = ConfigEntityZNode.encode(configs);
  await zk.setData(path, data, -1).catch(async (e) => {
    if (!isZkError(e, ZkCode.NO_NODE)) throw e;
    await zk.create(path, data, 'persistent').catch(async (e2) => {
      if (!isZkError(e2, ZkCode.NODE_EXISTS)) throw e2;
      await zk.setData(path, data, -1);
    });
  });
  await zk.create(ChangeSeq.createPath(), ChangeSeq.encode(`${type}/${name}`), 'persistent-sequential');
}
