/**
 * Test harness for the controller: the real MemoryMetadataStore, a fake clock, and a recording
 * ControllerChannel (answers success, holds requests to unreachable brokers until they are
 * removed, and can answer StopReplica with a per-partition error).
 */
import { ErrorCode } from '../../../protocol/errors';
import type { LeaderAndIsrPartitionState, LeaderAndIsrRequest } from '../../../protocol/generated/leader-and-isr-request';
import type { LeaderAndIsrResponse } from '../../../protocol/generated/leader-and-isr-response';
import type { StopReplicaRequest } from '../../../protocol/generated/stop-replica-request';
import type { StopReplicaResponse } from '../../../protocol/generated/stop-replica-response';
import type { UpdateMetadataRequest } from '../../../protocol/generated/update-metadata-request';
import type { UpdateMetadataResponse } from '../../../protocol/generated/update-metadata-response';
import { BrokerRemovedError, ControllerChannel } from '../../../coordinator/controller/controller-channel';
import { Controller, ControllerConfig, ControllerLogger } from '../../../coordinator/controller/controller';
import { MemoryMetadataStore } from '../../../coordinator/memory-metadata-store';
import type { BrokerRegistration, ClusterMetadataStore, MetadataEvent, PartitionState } from '../../../coordinator/metadata-store';
import { FakeClock } from '../group/fake-clock';

export type Sent =
  | { api: 'LeaderAndIsr'; brokerId: number; req: LeaderAndIsrRequest }
  | { api: 'UpdateMetadata'; brokerId: number; req: UpdateMetadataRequest }
  | { api: 'StopReplica'; brokerId: number; req: StopReplicaRequest };

interface Held {
  brokerId: number;
  reject: (e: Error) => void;
}

export class FakeChannel implements ControllerChannel {
  readonly sent: Sent[] = [];
  readonly brokers = new Map<number, BrokerRegistration>();
  /** Brokers whose requests are never answered (until removed). */
  readonly unreachable = new Set<number>();
  /** StopReplica answers per-partition with this code for these brokers. */
  readonly stopReplicaError = new Map<number, ErrorCode>();
  /** StopReplica answers with this top-level code and no partitions for these brokers. */
  readonly stopReplicaTopLevelError = new Map<number, ErrorCode>();
  /** StopReplica answers with no partitions (and no error) for these brokers. */
  readonly stopReplicaUnlisted = new Set<number>();
  /** StopReplica fails (rejects) with this error for these brokers. */
  readonly stopReplicaFailure = new Map<number, Error>();
  closed = 0;
  private held: Held[] = [];

  /** Every addBroker call, in order. */
  readonly addedLog: number[] = [];

  addBroker(b: BrokerRegistration): void {
    this.addedLog.push(b.brokerId);
    this.brokers.set(b.brokerId, b);
  }

  removeBroker(brokerId: number): void {
    this.brokers.delete(brokerId);
    for (const h of this.held.filter((h) => h.brokerId === brokerId)) h.reject(new BrokerRemovedError(brokerId));
    this.held = this.held.filter((h) => h.brokerId !== brokerId);
  }

  close(): void {
    this.closed++;
    for (const id of [...this.brokers.keys()]) this.removeBroker(id);
  }

  sendLeaderAndIsr(brokerId: number, req: LeaderAndIsrRequest): Promise<LeaderAndIsrResponse> {
    return this.deliver(brokerId, { api: 'LeaderAndIsr', brokerId, req }, () => ({
      errorCode: 0,
      partitionErrors: [],
      topics: req.topicStates.map((t) => ({ topicId: t.topicId, partitionErrors: t.partitionStates.map((p) => ({ topicName: '', partitionIndex: p.partitionIndex, errorCode: 0 })) })),
    }));
  }

  sendUpdateMetadata(brokerId: number, req: UpdateMetadataRequest): Promise<UpdateMetadataResponse> {
    return this.deliver(brokerId, { api: 'UpdateMetadata', brokerId, req }, () => ({ errorCode: 0 }));
  }

  sendStopReplica(brokerId: number, req: StopReplicaRequest): Promise<StopReplicaResponse> {
    const code = this.stopReplicaError.get(brokerId) ?? ErrorCode.NONE;
    const failure = this.stopReplicaFailure.get(brokerId);
    if (failure && this.brokers.has(brokerId)) {
      this.sent.push({ api: 'StopReplica', brokerId, req });
      return Promise.reject(failure);
    }
    const topLevel = this.stopReplicaTopLevelError.get(brokerId);
    if (topLevel !== undefined || this.stopReplicaUnlisted.has(brokerId)) {
      return this.deliver(brokerId, { api: 'StopReplica', brokerId, req }, () => ({ errorCode: topLevel ?? ErrorCode.NONE, partitionErrors: [] }));
    }
    return this.deliver(brokerId, { api: 'StopReplica', brokerId, req }, () => ({
      errorCode: 0,
      partitionErrors: req.topicStates.flatMap((t) => t.partitionStates.map((p) => ({ topicName: t.topicName, partitionIndex: p.partitionIndex, errorCode: code }))),
    }));
  }

  clear(): void {
    this.sent.length = 0;
  }

  of<A extends Sent['api']>(api: A, brokerId?: number): Extract<Sent, { api: A }>[] {
    return this.sent.filter((s): s is Extract<Sent, { api: A }> => s.api === api && (brokerId === undefined || s.brokerId === brokerId));
  }

  /** LeaderAndIsr partition states sent to `brokerId` for topic-partition, in order. */
  leaderAndIsrFor(brokerId: number, topic: string, partition: number): LeaderAndIsrPartitionState[] {
    return this.of('LeaderAndIsr', brokerId).flatMap((s) =>
      s.req.topicStates.filter((t) => t.topicName === topic).flatMap((t) => t.partitionStates.filter((p) => p.partitionIndex === partition)),
    );
  }

  stopReplicasTo(brokerId: number): { topic: string; partition: number; deletePartition: boolean; leaderEpoch: number }[] {
    return this.of('StopReplica', brokerId).flatMap((s) =>
      s.req.topicStates.flatMap((t) => t.partitionStates.map((p) => ({ topic: t.topicName, partition: p.partitionIndex, deletePartition: p.deletePartition, leaderEpoch: p.leaderEpoch }))),
    );
  }

  /** Every send is recorded, including one to a broker the channel does not hold (it fails). */
  private deliver<T>(brokerId: number, s: Sent, answer: () => T): Promise<T> {
    this.sent.push(s);
    if (!this.brokers.has(brokerId)) return Promise.reject(new BrokerRemovedError(brokerId));
    if (this.unreachable.has(brokerId)) return new Promise<T>((_resolve, reject) => this.held.push({ brokerId, reject }));
    return Promise.resolve(answer());
  }
}

export interface LogLine {
  level: string;
  msg: string;
}

export function recordingLogger(lines: LogLine[] = []): ControllerLogger & { lines: LogLine[] } {
  const log = (level: string) => (obj: object | string, msg?: string) => lines.push({ level, msg: typeof obj === 'string' ? obj : (msg ?? '') });
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

export interface ConfigOverrides {
  uncleanTopics?: string[];
  /** Overrides uncleanTopics. */
  unclean?: (topic: string) => boolean;
  autoLeaderRebalanceEnable?: boolean;
  leaderImbalanceCheckIntervalMs?: number;
  leaderImbalancePerBrokerPercentage?: number;
  deleteTopicEnable?: boolean;
}

export function controllerConfig(o: ConfigOverrides = {}): ControllerConfig {
  const unclean = new Set(o.uncleanTopics ?? []);
  return {
    uncleanLeaderElectionEnable: o.unclean ?? ((t) => unclean.has(t)),
    autoLeaderRebalanceEnable: o.autoLeaderRebalanceEnable ?? false,
    leaderImbalanceCheckIntervalMs: o.leaderImbalanceCheckIntervalMs ?? 300_000,
    leaderImbalancePerBrokerPercentage: o.leaderImbalancePerBrokerPercentage ?? 10,
    deleteTopicEnable: o.deleteTopicEnable ?? true,
  };
}

/** Lets queued controller events and store writes run to completion. */
export async function settle(rounds = 40): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

export function endpoint(id: number) {
  return [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: `broker${id}`, port: 9092 + id }];
}

export class Cluster {
  readonly store = new MemoryMetadataStore();
  readonly clock = new FakeClock();
  readonly log = recordingLogger();
  readonly controllers: Controller[] = [];

  async registerBroker(id: number, rack: string | null = null, endpoints = endpoint(id)): Promise<BrokerRegistration> {
    return this.store.registerBroker({ brokerId: id, endpoints, rack });
  }

  async registerBrokers(...ids: number[]): Promise<void> {
    for (const id of ids) await this.registerBroker(id);
  }

  /** Starts a controller for `brokerId` on `store` (default: the shared one) and lets it settle. */
  async startController(
    brokerId: number,
    o: ConfigOverrides = {},
    store: ClusterMetadataStore = this.store,
    channel = new FakeChannel(),
  ): Promise<{ controller: Controller; channel: FakeChannel }> {
    const controller = new Controller({ brokerId, store, channel, clock: this.clock, logger: this.log, config: controllerConfig(o) });
    this.controllers.push(controller);
    await controller.startup();
    await settle();
    return { controller, channel };
  }

  async createTopic(name: string, assignment: Record<number, number[]>, configs: Record<string, string> = {}): Promise<string> {
    const topicId = `${name.padEnd(21, 'x').slice(0, 21)}A`;
    await this.store.createTopic({ name, topicId, assignment: new Map(Object.entries(assignment).map(([p, r]) => [Number(p), r])), configs });
    await settle();
    return topicId;
  }

  async state(topic: string, partition: number): Promise<PartitionState | undefined> {
    return (await this.store.readPartitionStates(topic)).get(partition);
  }

  async stop(): Promise<void> {
    for (const c of this.controllers) await c.shutdown();
  }
}

type StoreMethod = Exclude<keyof ClusterMetadataStore, 'onChange'>;

/**
 * One broker's view of a shared store, for failure scenarios: its events can be cut off (a
 * network partition: the session's watches stop firing) or held and delivered later; a call can
 * be made to fail once, or to run a step (e.g. deliver held events) after the real call returns
 * and before the caller sees the result. Everything else is the real store.
 */
export class StoreView {
  readonly store: ClusterMetadataStore;
  private mode: 'open' | 'cut' | 'hold' = 'open';
  private readonly held: MetadataEvent[] = [];
  private readonly listeners: ((e: MetadataEvent) => void)[] = [];
  private readonly hooks: { method: StoreMethod; nth: number; before?: () => void | Promise<void>; after?: () => void | Promise<void>; fail?: Error }[] = [];
  private readonly calls = new Map<string, number>();

  constructor(real: ClusterMetadataStore) {
    real.onChange((e) => {
      if (this.mode === 'hold') this.held.push(e);
      else if (this.mode === 'open') for (const l of [...this.listeners]) l(e);
    });
    this.store = new Proxy(real, {
      get: (target, prop, receiver) => {
        if (prop === 'onChange') {
          return (listener: (e: MetadataEvent) => void) => {
            this.listeners.push(listener);
            return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        const fn = (v as (...a: unknown[]) => unknown).bind(target);
        return (...args: unknown[]) => this.invoke(prop as StoreMethod, () => fn(...args));
      },
    });
  }

  cut(): void {
    this.mode = 'cut';
  }
  hold(): void {
    this.mode = 'hold';
  }
  /** Delivers the held events (only those `keep` selects; the others are lost) and opens. */
  release(keep: (e: MetadataEvent) => boolean = () => true): void {
    this.mode = 'open';
    for (const e of this.held.splice(0)) if (keep(e)) for (const l of [...this.listeners]) l(e);
  }

  /** Runs `step` after the nth (1-based, counted from now) call of `method` returns. */
  after(method: StoreMethod, step: () => void | Promise<void>, nth = 1): void {
    this.hooks.push({ method, nth: (this.calls.get(method) ?? 0) + nth, after: step });
  }

  /** Runs `step` before each of the next `times` calls of `method` reaches the store. */
  before(method: StoreMethod, step: () => void | Promise<void>, times = 1): void {
    const start = this.calls.get(method) ?? 0;
    for (let i = 1; i <= times; i++) this.hooks.push({ method, nth: start + i, before: step });
  }

  /** How many times `method` was called through this view. */
  callCount(method: StoreMethod): number {
    return this.calls.get(method) ?? 0;
  }

  /** Makes the next call of `method` fail with `error`. */
  failNext(method: StoreMethod, error: Error): void {
    this.hooks.push({ method, nth: (this.calls.get(method) ?? 0) + 1, fail: error });
  }

  private invoke(method: StoreMethod, call: () => unknown): unknown {
    const n = (this.calls.get(method) ?? 0) + 1;
    this.calls.set(method, n);
    const i = this.hooks.findIndex((h) => h.method === method && h.nth === n);
    const hook = i >= 0 ? this.hooks.splice(i, 1)[0] : undefined;
    if (hook?.fail) return Promise.reject(hook.fail);
    if (hook?.before) {
      const step = hook.before;
      return Promise.resolve(step()).then(() => call());
    }
    const r = call();
    if (!hook?.after || !(r instanceof Promise)) return r;
    const step = hook.after;
    return r.then(async (v: unknown) => {
      await step();
      return v;
    });
  }
}
