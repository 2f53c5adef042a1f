/**
 * ZkViewSync: reads ZooKeeper into the ZooKeeper store's MetadataView and arms the watches that
 * keep it current: children of /brokers/ids, /brokers/topics, /admin/delete_topics and
 * /config/changes, data of /controller and of each topic znode. The store runs loads one at a
 * time (its task chain). Every change a load makes to the view is announced (`emit`) as soon as
 * the view shows it, so a load that fails half-way (the session ended under it) has announced
 * all it changed, and the next load, which finds no difference there, loses no event.
 *
 * Config changes reach other stores through /config/changes: each config_change_<seq> names an
 * entity, which is re-read; notifications older than 15 minutes are deleted, as Kafka does.
 */
import type { MetadataEvent, TopicMetadata } from '../metadata-store';
import { brokerIdOfConfigKey, type MetadataView } from '../metadata-view';
import { randomUuid } from '../memory-metadata-store';
import {
  BrokerIdZNode,
  BrokerIdsZNode,
  ClusterIdZNode,
  ConfigEntityChangeNotificationSequenceZNode as ChangeSeq,
  ConfigEntityChangeNotificationZNode,
  ConfigEntityTypeZNode,
  ConfigEntityZNode,
  ControllerZNode,
  DeleteTopicsZNode,
  INTERNAL_TOPICS,
  PERSISTENT_ZK_PATHS,
  TopicZNode,
  TopicsZNode,
} from './znodes';
import { ZkCode, isZkError, type ZkSession, type ZkWatchEvent } from './zk-session';

const CHANGE_EXPIRATION_MS = 15 * 60 * 1000;

/** What a watch event asks to re-read (a key of the store's refresh queue). */
export type RefreshKey = 'brokers' | 'controller' | 'topics' | 'marks' | 'config-changes' | `topic:${string}`;

export function refreshKeyOf(e: ZkWatchEvent): RefreshKey | null {
  if (e.path === BrokerIdsZNode.path()) return 'brokers';
  if (e.path === ControllerZNode.path()) return 'controller';
  if (e.path === TopicsZNode.path()) return 'topics';
  if (e.path === DeleteTopicsZNode.path()) return 'marks';
  if (e.path === ConfigEntityChangeNotificationZNode.path()) return 'config-changes';
  const topicPrefix = `${TopicsZNode.path()}/`;
  if (e.path.startsWith(topicPrefix) && !e.path.slice(topicPrefix.length).includes('/')) return `topic:${e.path.slice(topicPrefix.length)}`;
  return null;
}

export class ZkViewSync {
  private lastConfigChange = -1;

  constructor(
    private readonly view: MetadataView,
    private readonly session: () => ZkSession,
    private readonly emit: (events: readonly MetadataEvent[]) => void,
  ) {}

  /** Creates the persistent paths and the cluster id, then reads everything and arms every watch. */
  async loadAll(): Promise<void> {
    const zk = this.session();
    for (const p of PERSISTENT_ZK_PATHS) await zk.ensurePath(p);
    this.view.clusterId = await this.createOrGetClusterId();
    // Changes first: a notification newer than what is read below is processed again later.
    const children = (await zk.getChildren(ConfigEntityChangeNotificationZNode.path(), true)) ?? [];
    this.lastConfigChange = Math.max(-1, ...children.map((c) => ChangeSeq.sequenceNumber(c) ?? -1));
    await this.loadBrokerConfigs();
    await this.loadBrokers();
    await this.loadController();
    await this.loadTopics(true);
    await this.loadMarks();
    await this.purgeConfigChanges(children);
  }

  load(key: RefreshKey): Promise<void> {
    if (key === 'brokers') return this.loadBrokers();
    if (key === 'controller') return this.loadController();
    if (key === 'topics') return this.loadTopics(false);
    if (key === 'marks') return this.loadMarks();
    if (key === 'config-changes') return this.processConfigChanges();
    return this.loadTopic(key.slice('topic:'.length));
  }

  private async createOrGetClusterId(): Promise<string> {
    const zk = this.session();
    const existing = await zk.getData(ClusterIdZNode.path());
    if (existing) return ClusterIdZNode.decode(existing.data);
    const id = randomUuid();
    await zk.ensurePath('/cluster');
    try {
      await zk.create(ClusterIdZNode.path(), ClusterIdZNode.encode(id), 'persistent');
      return id;
    } catch (e) {
      if (!isZkError(e, ZkCode.NODE_EXISTS)) throw e;
      const raced = await zk.getData(ClusterIdZNode.path());
      if (!raced) throw new Error('/cluster/id was deleted while being created');
      return ClusterIdZNode.decode(raced.data);
    }
  }

  async loadBrokers(): Promise<void> {
    const zk = this.session();
    const ids = ((await zk.getChildren(BrokerIdsZNode.path(), true)) ?? []).map(Number).filter(Number.isInteger);
    const regs = [];
    for (const id of ids) {
      const d = await zk.getData(BrokerIdZNode.path(id));
      if (d) regs.push({ ...BrokerIdZNode.decode(id, d.data), brokerEpoch: d.stat.czxid });
    }
    this.emit(this.view.replaceBrokers(regs));
  }

  async loadController(): Promise<void> {
    const zk = this.session();
    const d = await zk.getData(ControllerZNode.path(), true);
    if (d) return this.emit(this.view.setController(ControllerZNode.decode(d.data)));
    // Gone: watch for its creation (exists arms a watch on a missing znode; getData does not).
    if (await zk.exists(ControllerZNode.path(), true)) return this.loadController();
    this.emit(this.view.setController(-1));
  }

  /** The topic list; `all` re-reads every topic (a new session must re-arm their watches). */
  async loadTopics(all: boolean): Promise<void> {
    const names = new Set((await this.session().getChildren(TopicsZNode.path(), true)) ?? []);
    for (const t of this.view.topics()) if (!names.has(t.name)) this.emit(this.view.removeTopic(t.name));
    for (const name of names) if (all || !this.view.topic(name)) await this.loadTopic(name);
  }

  /** One topic znode (watched) and its config. A topic written without an id gets one, as Kafka's controller does. */
  async loadTopic(name: string): Promise<void> {
    const zk = this.session();
    const path = TopicZNode.path(name);
    const d = await zk.getData(path, true);
    if (!d) return this.emit(this.view.removeTopic(name));
    const data = TopicZNode.decode(name, d.data);
    if (data.topicId === null) {
      try {
        await zk.setData(path, TopicZNode.encode(name, { ...data, topicId: randomUuid() }), d.stat.version);
      } catch (e) {
        if (!isZkError(e, ZkCode.BAD_VERSION) && !isZkError(e, ZkCode.NO_NODE)) throw e;
      }
      return this.loadTopic(name);
    }
    const topic: TopicMetadata = { name, topicId: data.topicId, assignment: data.assignment, addingReplicas: data.addingReplicas, removingReplicas: data.removingReplicas, configs: await this.readConfig('topics', name), isInternal: INTERNAL_TOPICS.has(name) };
    this.emit(this.view.putTopic(topic));
  }

  async loadMarks(): Promise<void> {
    this.emit(this.view.setMarks((await this.session().getChildren(DeleteTopicsZNode.path(), true)) ?? []));
  }

  private async loadBrokerConfigs(): Promise<void> {
    const names = (await this.session().getChildren(ConfigEntityTypeZNode.path('brokers'))) ?? [];
    for (const key of this.view.brokerConfigKeys()) if (!names.includes(key)) this.emit(this.view.setBrokerConfigs(brokerIdOfConfigKey(key), {}));
    for (const n of names) await this.reloadEntity(`brokers/${n}`);
  }

  private async readConfig(type: 'topics' | 'brokers', name: string): Promise<Record<string, string>> {
    const path = ConfigEntityZNode.path(type, name);
    const d = await this.session().getData(path);
    return d ? ConfigEntityZNode.decode(path, d.data) : {};
  }

  /** Re-reads the entity a change notification names (`topics/<t>`, `brokers/<id>|<default>`). */
  private async reloadEntity(entityPath: string): Promise<void> {
    const slash = entityPath.indexOf('/');
    const type = entityPath.slice(0, slash);
    const name = entityPath.slice(slash + 1);
    if (type === 'topics') {
      const topic = this.view.topic(name);
      if (topic) this.emit(this.view.putTopic({ ...topic, configs: await this.readConfig('topics', name) }));
    } else if (type === 'brokers' && (name === '<default>' || /^\d+$/.test(name))) {
      this.emit(this.view.setBrokerConfigs(brokerIdOfConfigKey(name), await this.readConfig('brokers', name)));
    }
    // users, clients, ips: not kept by this store
  }

  private async processConfigChanges(): Promise<void> {
    const zk = this.session();
    const children = (await zk.getChildren(ConfigEntityChangeNotificationZNode.path(), true)) ?? [];
    const fresh = children
      .map((c) => ({ child: c, seq: ChangeSeq.sequenceNumber(c) }))
      .filter((c): c is { child: string; seq: number } => c.seq !== null && c.seq > this.lastConfigChange)
      .sort((a, b) => a.seq - b.seq);
    for (const { child, seq } of fresh) {
      const path = `${ConfigEntityChangeNotificationZNode.path()}/${child}`;
      const d = await zk.getData(path);
      if (d) await this.reloadEntity(ChangeSeq.decode(path, d.data));
      this.lastConfigChange = seq;
    }
    if (fresh.length > 0) await this.purgeConfigChanges(children);
  }

  private async purgeConfigChanges(children: readonly string[]): Promise<void> {
    const zk = this.session();
    const now = Date.now();
    for (const child of children) {
      const path = `${ConfigEntityChangeNotificationZNode.path()}/${child}`;
      const stat = await zk.exists(path);
      if (!stat || now - stat.ctimeMs <= CHANGE_EXPIRATION_MS) continue;
      await zk.delete(path, -1).catch((e) => {
        if (!isZkError(e, ZkCode.NO_NODE)) throw e;
      });
    }
  }
}
