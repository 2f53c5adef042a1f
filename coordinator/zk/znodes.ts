/**
 * One object per znode of Kafka 3.9's ZooKeeper mode (kafka.zk.ZkData): its path and the codec of
 * its payload. Encoders write the bytes Kafka writes (key order included, see kafka-json.ts), so
 * zkCli output and ZooKeeper-reading tools look the same as with Kafka; decoders accept what
 * Kafka writes (and older payload versions where Kafka still reads them).
 */
import type { BrokerEndpoint, BrokerRegistrationInput, PartitionStateFields } from '../metadata-store';
import {
  javaPropertiesOrder,
  jsonObject,
  scalaImmutableMapOrder,
  scalaMutableHashMapOrder,
  javaStringHash,
  topicPartitionHash,
  writeKafkaJson,
  type KafkaJson,
} from './kafka-json';

/** The sanitized entity name of the cluster-wide default (ZooKeeperInternals.DEFAULT_STRING). */
export const DEFAULT_ENTITY = '<default>';
/** Kafka's internal topics (Topic.isInternal): ZooKeeper stores no flag for them. */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);

function utf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

function parseJson(path: string, bytes: Buffer | undefined): Record<string, unknown> {
  const text = bytes?.toString('utf8') ?? '';
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`znode ${path} does not hold JSON (${(e as Error).message}): ${text.slice(0, 200)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`znode ${path} does not hold a JSON object: ${text.slice(0, 200)}`);
  return v as Record<string, unknown>;
}

function intField(path: string, o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`znode ${path}: "${key}" is not an integer`);
  return v;
}

function intList(path: string, v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) throw new Error(`znode ${path}: ${what} is not a list of integers`);
  return v as number[];
}

export const ClusterIdZNode = {
  path: () => '/cluster/id',
  encode: (id: string): Buffer => utf8(writeKafkaJson(jsonObject([['version', '1'], ['id', id]]))),
  decode(bytes: Buffer | undefined): string {
    const id = parseJson('/cluster/id', bytes)['id'];
    if (typeof id !== 'string') throw new Error('znode /cluster/id has no "id"');
    return id;
  },
};

export const BrokerIdsZNode = { path: () => '/brokers/ids' };
export const BrokerSequenceIdZNode = { path: () => '/brokers/seqid' };

const DEFAULT_LISTENER_PROTOCOLS: Readonly<Record<string, string>> = { PLAINTEXT: 'PLAINTEXT', SSL: 'SSL', SASL_PLAINTEXT: 'SASL_PLAINTEXT', SASL_SSL: 'SASL_SSL' };

export const BrokerIdZNode = {
  path: (brokerId: number) => `/brokers/ids/${brokerId}`,
  /** Broker info version 5 (IBP >= 2.7): `host`/`port` name the first PLAINTEXT endpoint, for old clients. */
  encode(reg: BrokerRegistrationInput, timestampMs: number, jmxPort = -1): Buffer {
    const plaintext = reg.endpoints.find((e) => e.securityProtocol === 'PLAINTEXT');
    const protocolMap = scalaImmutableMapOrder(reg.endpoints, (e) => javaStringHash(e.listenerName));
    const values: Record<string, KafkaJson> = {
      version: 5,
      host: plaintext?.host ?? null,
      port: plaintext?.port ?? -1,
      endpoints: reg.endpoints.map(endpointString),
      jmx_port: jmxPort,
      timestamp: String(timestampMs),
      listener_security_protocol_map: jsonObject(protocolMap.map((e) => [e.listenerName, e.securityProtocol])),
      features: jsonObject([]), // a ZooKeeper-mode broker registers no supported features
    };
    const keys = ['version', 'host', 'port', 'endpoints', 'jmx_port', 'timestamp', ...(reg.rack !== null ? ['rack'] : []), 'listener_security_protocol_map', 'features'];
    if (reg.rack !== null) values['rack'] = reg.rack;
    return utf8(writeKafkaJson(jsonObject(scalaMutableHashMapOrder(keys).map((k) => [k, values[k]!]))));
  },
  decode(brokerId: number, bytes: Buffer | undefined): BrokerRegistrationInput {
    const path = `/brokers/ids/${brokerId}`;
    const o = parseJson(path, bytes);
    const version = intField(path, o, 'version');
    const rack = typeof o['rack'] === 'string' ? o['rack'] : null;
    if (version === 1) {
      const host = o['host'];
      if (typeof host !== 'string') throw new Error(`znode ${path}: "host" is not a string`);
      return { brokerId, rack, endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host, port: intField(path, o, 'port') }] };
    }
    if (version < 1) throw new Error(`znode ${path}: unsupported broker info version ${version}`);
    const map = o['listener_security_protocol_map'];
    const protocols = typeof map === 'object' && map !== null ? (map as Record<string, unknown>) : DEFAULT_LISTENER_PROTOCOLS;
    const list = o['endpoints'];
    if (!Array.isArray(list)) throw new Error(`znode ${path}: "endpoints" is not a list`);
    const endpoints = list.map((s) => parseEndpoint(path, s, protocols));
    return { brokerId, rack, endpoints };
  },
};

function endpointString(e: BrokerEndpoint): string {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host; // Utils.formatAddress
  return `${e.listenerName}://${host}:${e.port}`;
}

function parseEndpoint(path: string, s: unknown, protocols: Record<string, unknown>): BrokerEndpoint {
  const m = typeof s === 'string' ? /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/.exec(s) : null;
  if (!m) throw new Error(`znode ${path}: endpoint ${String(s)} is not LISTENER://host:port`);
  const listenerName = m[1]!;
  const securityProtocol = protocols[listenerName];
  if (typeof securityProtocol !== 'string') throw new Error(`znode ${path}: no security protocol for listener ${listenerName}`);
  return { listenerName, securityProtocol, host: m[2]!, port: Number(m[3]) };
}

export const ControllerZNode = {
  path: () => '/controller',
  encode: (brokerId: number, timestampMs: number): Buffer =>
    utf8(writeKafkaJson(jsonObject([['version', 2], ['brokerid', brokerId], ['timestamp', String(timestampMs)], ['kraftControllerEpoch', -1]]))),
  decode: (bytes: Buffer | undefined): number => intField('/controller', parseJson('/controller', bytes), 'brokerid'),
};

export const ControllerEpochZNode = {
  path: () => '/controller_epoch',
  encode: (epoch: number): Buffer => utf8(String(epoch)),
  decode(bytes: Buffer | undefined): number {
    const text = bytes?.toString('utf8') ?? '';
    if (!/^-?\d+$/.test(text)) throw new Error(`znode /controller_epoch does not hold an integer: ${text.slice(0, 50)}`);
    return Number(text);
  },
};

/**
 * /latest_producer_id_block: the last block of producer ids handed out (Kafka's
 * ProducerIdBlockZNode, version 1; the bounds are inclusive and written as strings).
 */
export const ProducerIdBlockZNode = {
  path: () => '/latest_producer_id_block',
  encode: (brokerId: number, blockStart: bigint, blockEnd: bigint): Buffer =>
    utf8(writeKafkaJson(jsonObject([['version', 1], ['broker', brokerId], ['block_start', blockStart.toString()], ['block_end', blockEnd.toString()]]))),
  /** The last id of the block; null for an empty znode (none handed out yet). */
  decodeBlockEnd(bytes: Buffer | undefined): bigint | null {
    if (!bytes || bytes.length === 0) return null;
    const end = parseJson('/latest_producer_id_block', bytes)['block_end'];
    if (typeof end !== 'string' || !/^-?\d+$/.test(end)) throw new Error('znode /latest_producer_id_block: "block_end" is not a decimal string');
    return BigInt(end);
  },
};

export const TopicsZNode = { path: () => '/brokers/topics' };

export interface TopicZNodeData {
  readonly topicId: string | null;
  readonly assignment: ReadonlyMap<number, readonly number[]>;
  readonly addingReplicas: ReadonlyMap<number, readonly number[]>;
  readonly removingReplicas: ReadonlyMap<number, readonly number[]>;
}

export const TopicZNode = {
  path: (topic: string) => `/brokers/topics/${topic}`,
  /** Version 3 (with topic_id); adding/removing hold only the partitions being reassigned. */
  encode(topic: string, d: TopicZNodeData): Buffer {
    const insertion = partitionInsertionOrder(topic, [...d.assignment.keys()]).map(String);
    const partitionMap = (m: ReadonlyMap<number, readonly number[]>): KafkaJson => {
      const present = insertion.filter((p) => (m.get(Number(p))?.length ?? 0) > 0);
      return jsonObject(scalaMutableHashMapOrder(present).map((p) => [p, [...m.get(Number(p))!]]));
    };
    const values: Record<string, KafkaJson> = {
      version: 3,
      partitions: partitionMap(d.assignment),
      adding_replicas: partitionMap(d.addingReplicas),
      removing_replicas: partitionMap(d.removingReplicas),
    };
    const keys = ['version', 'partitions', 'adding_replicas', 'removing_replicas'];
    if (d.topicId !== null) {
      values['topic_id'] = d.topicId;
      keys.push('topic_id');
    }
    return utf8(writeKafkaJson(jsonObject(scalaMutableHashMapOrder(keys).map((k) => [k, values[k]!]))));
  },
  decode(topic: string, bytes: Buffer | undefined): TopicZNodeData {
    const path = `/brokers/topics/${topic}`;
    const o = parseJson(path, bytes);
    const partitions = (key: string): Map<number, number[]> => {
      const m = o[key];
      if (m === undefined) return new Map();
      if (typeof m !== 'object' || m === null) throw new Error(`znode ${path}: "${key}" is not an object`);
      const entries = Object.entries(m as Record<string, unknown>).map(([p, r]): [number, number[]] => [Number(p), intList(path, r, `${key}.${p}`)]);
      return new Map(entries.sort((a, b) => a[0] - b[0]));
    };
    const id = o['topic_id'];
    return { topicId: typeof id === 'string' ? id : null, assignment: partitions('partitions'), addingReplicas: partitions('adding_replicas'), removingReplicas: partitions('removing_replicas') };
  },
};

/**
 * The order Kafka's TopicZNode.encode inserts partitions into its map (it iterates a Scala
 * immutable Map of TopicPartition); it decides the order of partitions that share a bucket.
 */
function partitionInsertionOrder(topic: string, partitions: number[]): number[] {
  const ascending = partitions.sort((a, b) => a - b);
  return scalaImmutableMapOrder(ascending, (p) => topicPartitionHash(topic, p));
}

export const TopicPartitionsZNode = { path: (topic: string) => `/brokers/topics/${topic}/partitions` };
export const TopicPartitionZNode = { path: (topic: string, partition: number) => `/brokers/topics/${topic}/partitions/${partition}` };

export const TopicPartitionStateZNode = {
  path: (topic: string, partition: number) => `/brokers/topics/${topic}/partitions/${partition}/state`,
  /** `leader_recovery_state` is written only when RECOVERING, as Kafka does. */
  encode(s: PartitionStateFields): Buffer {
    const values: Record<string, KafkaJson> = { version: 1, leader: s.leader, leader_epoch: s.leaderEpoch, controller_epoch: s.controllerEpoch, isr: [...s.isr] };
    const keys = ['version', 'leader', 'leader_epoch', 'controller_epoch', 'isr'];
    if (s.leaderRecoveryState !== 0) {
      values['leader_recovery_state'] = s.leaderRecoveryState;
      keys.push('leader_recovery_state');
    }
    return utf8(writeKafkaJson(jsonObject(scalaImmutableMapOrder(keys, javaStringHash).map((k) => [k, values[k]!]))));
  },
  decode(path: string, bytes: Buffer | undefined): PartitionStateFields {
    const o = parseJson(path, bytes);
    const lrs = o['leader_recovery_state'];
    return {
      leader: intField(path, o, 'leader'),
      leaderEpoch: intField(path, o, 'leader_epoch'),
      isr: intList(path, o['isr'], '"isr"'),
      controllerEpoch: intField(path, o, 'controller_epoch'),
      leaderRecoveryState: typeof lrs === 'number' ? lrs : 0,
    };
  },
};

export type ConfigEntityType = 'topics' | 'brokers' | 'clients' | 'users' | 'ips';

export const ConfigEntityTypeZNode = { path: (type: ConfigEntityType) => `/config/${type}` };

export const ConfigEntityZNode = {
  path: (type: ConfigEntityType, name: string) => `/config/${type}/${name}`,
  encode(configs: Readonly<Record<string, string>>): Buffer {
    const props = javaPropertiesOrder(Object.keys(configs)).map((k): [string, KafkaJson] => [k, configs[k]!]);
    return utf8(writeKafkaJson(jsonObject([['version', 1], ['config', jsonObject(props)]])));
  },
  decode(path: string, bytes: Buffer | undefined): Record<string, string> {
    if (bytes === undefined || bytes.length === 0) return {};
    const config = parseJson(path, bytes)['config'];
    if (config === undefined) return {};
    if (typeof config !== 'object' || config === null) throw new Error(`znode ${path}: "config" is not an object`);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(config as Record<string, unknown>)) {
      if (typeof v !== 'string') throw new Error(`znode ${path}: config ${k} is not a string`);
      out[k] = v;
    }
    return out;
  },
};

export const ConfigEntityChangeNotificationZNode = { path: () => '/config/changes' };

export const ConfigEntityChangeNotificationSequenceZNode = {
  prefix: 'config_change_',
  createPath: () => '/config/changes/config_change_',
  /** Version 2: the sanitized entity path, e.g. `topics/orders` or `brokers/<default>`. */
  encode: (entityPath: string): Buffer => utf8(writeKafkaJson(jsonObject([['version', 2], ['entity_path', entityPath]]))),
  /** The entity path; version 1 notifications (entity_type + entity_name) are read too. */
  decode(path: string, bytes: Buffer | undefined): string {
    const o = parseJson(path, bytes);
    if (o['version'] === 1 && typeof o['entity_type'] === 'string' && typeof o['entity_name'] === 'string') return `${o['entity_type']}/${o['entity_name']}`;
    const p = o['entity_path'];
    if (typeof p !== 'string') throw new Error(`znode ${path}: no "entity_path"`);
    return p;
  },
  /** The sequence number of a child name, or null for a name that is not a notification. */
  sequenceNumber(child: string): number | null {
    if (!child.startsWith('config_change_')) return null;
    const n = Number(child.slice('config_change_'.length));
    return Number.isSafeInteger(n) ? n : null;
  },
};

export const DeleteTopicsZNode = { path: () => '/admin/delete_topics' };
export const DeleteTopicsTopicZNode = { path: (topic: string) => `/admin/delete_topics/${topic}` };

/** The persistent paths Kafka creates at broker startup (ZkData.PersistentZkPaths). */
export const PERSISTENT_ZK_PATHS: readonly string[] = [
  '/consumers',
  BrokerIdsZNode.path(),
  TopicsZNode.path(),
  ConfigEntityChangeNotificationZNode.path(),
  DeleteTopicsZNode.path(),
  BrokerSequenceIdZNode.path(),
  '/isr_change_notification',
  '/latest_producer_id_block',
  '/log_dir_event_notification',
  ...(['topics', 'clients', 'users', 'brokers', 'ips'] as const).map((t) => ConfigEntityTypeZNode.path(t)),
];
