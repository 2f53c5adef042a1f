/**
 * ReplicaFetcher: copies a set of partitions from one leader broker into their local follower
 * replicas (Kafka's AbstractFetcherThread + ReplicaFetcherThread), as one async loop:
 *
 *   1. partitions in `truncating`: one OffsetForLeaderEpoch request with each replica's latest
 *      epoch; truncate to the agreed offset (truncation.ts); then `fetching`, or another round;
 *   2. partitions in `fetching`: one sessionless Fetch at each log end offset, then per partition
 *      NONE -> truncate on a divergingEpoch, else append the raw batches and pass the leader's
 *      high watermark and log start on; OFFSET_OUT_OF_RANGE -> reset against the leader's
 *      offsets; leadership errors -> back off until the controller re-adds the partition.
 *   3. nothing to do: sleep until a back-off ends or a partition is added.
 *
 * Invariants:
 * - The fetcher is the only writer of its partitions' logs; each partition's appends and
 *   truncations run one at a time (PartitionFetchState.run) and never after removal.
 * - A response is applied only if its partition state is still the one the request was built
 *   for (not removed, not re-added) and its log end is still the offset fetched from.
 * - A failed request (connection error, timeout, top-level error) delays every partition by
 *   replica.fetch.backoff.ms; a partition error delays that partition. Each distinct trouble
 *   is logged once, repeats at debug, until the partition or leader recovers (fetch-errors.ts).
 */
import { ErrorCode, KafkaError } from '../protocol/errors';
import type { EpochEndOffset, FetchResponse, PartitionData } from '../protocol/generated/fetch-response';
import type { Clock, Timer } from '../storage/clock';
import { STALL_WARN_MS, buildFetchRequest, isDiverging, recordsToAppend, responseKey, type ReplicaFetcherConfig, type SentPartition } from './fetch-builder';
import { onOperationFailed, onPartitionError } from './fetch-errors';
import { PartitionFetchState } from './fetch-state';
import type { FollowerReplica } from './follower-replica';
import type { EpochAnswer, LeaderEndpoint } from './leader-endpoint';
import { truncationTarget } from './truncation';
import { partitionKey, withBindings, type LeaderBroker, type ReplicationLogger } from './types';

export interface ReplicaFetcherOptions {
  /** This broker (the follower). */
  brokerId: number;
  fetcherId: number;
  leader: LeaderBroker;
  /** Owned by the fetcher: closed at shutdown. */
  endpoint: LeaderEndpoint;
  config: ReplicaFetcherConfig;
  clock: Clock;
  logger: ReplicationLogger;
}

export class ReplicaFetcher {
  readonly leader: LeaderBroker;
  readonly fetcherId: number;
  private readonly states = new Map<string, PartitionFetchState>();
  private readonly log: ReplicationLogger;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private wakeRequested = false;
  private wakeWaiter: (() => void) | null = null;
  /** A request failure was logged and no request has succeeded since. */
  private leaderTrouble = false;
  /** What the current round waits for (requests, log operations), for the stall warning. */
  private readonly waitingFor = new Set<string>();

  constructor(private readonly opts: ReplicaFetcherOptions) {
    this.leader = opts.leader;
    this.fetcherId = opts.fetcherId;
    this.log = withBindings(opts.logger, { leaderId: opts.leader.brokerId, fetcherId: opts.fetcherId });
  }

  start(): void {
    if (this.loop === null && !this.stopped) this.loop = this.run();
  }

  get partitionCount(): number {
    return this.states.size;
  }

  has(topic: string, partition: number): boolean {
    return this.states.has(partitionKey(topic, partition));
  }

  /** Phase of a partition (tests, diagnostics), or undefined when not here. */
  phaseOf(topic: string, partition: number): 'truncating' | 'fetching' | undefined {
    return this.states.get(partitionKey(topic, partition))?.phase;
  }

  /** The replicas this fetcher holds. */
  replicas(): FollowerReplica[] {
    return [...this.states.values()].map((s) => s.replica);
  }

  /**
   * Adds (or re-adds) a partition. Same leader epoch as the state already here: kept as is
   * (Kafka). Otherwise a new state in `truncating`, whose first operation waits for `inherited`
   * (the partition's operation chain in the fetcher it comes from) or for the replaced state's.
   */
  addPartition(replica: FollowerReplica, inherited?: Promise<void>): void {
    if (this.stopped) throw new Error(`replica fetcher ${this.fetcherId} for broker ${this.leader.brokerId} is shut down`);
    const key = partitionKey(replica.topic, replica.partition);
    const epoch = replica.leaderEpoch;
    const existing = this.states.get(key);
    if (existing && existing.replica === replica && existing.currentLeaderEpoch === epoch) return;
    const chain = existing ? existing.deactivate() : inherited;
    this.states.set(key, new PartitionFetchState(replica, epoch, chain));
    this.log.debug({ topic: replica.topic, partition: replica.partition, leaderEpoch: epoch }, 'partition added to replica fetcher');
    this.wake();
  }

  /**
   * Removes a partition at once (no operation of it starts after this call); the promise
   * settles when its running operation is over. null when the partition is not here.
   */
  removePartition(topic: string, partition: number): Promise<void> | null {
    const key = partitionKey(topic, partition);
    const s = this.states.get(key);
    if (!s) return null;
    this.states.delete(key);
    return s.deactivate();
  }

  /** Stops the loop, closes the endpoint; resolves when no operation of this fetcher runs. */
  shutdown(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopped = true;
    const tails = [...this.states.values()].map((s) => s.deactivate());
    this.states.clear();
    this.wake();
    try {
      this.opts.endpoint.close();
    } catch (e) {
      this.log.warn({ err: e }, 'closing the leader endpoint failed');
    }
    this.stopping = (async () => {
      await this.loop;
      await Promise.all(tails);
    })();
    return this.stopping;
  }

  // ---- the loop ---------------------------------------------------------------------------

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const watchdog = this.opts.clock.setTimeout(() => this.warnStalled(), this.opts.config.stallWarnMs ?? STALL_WARN_MS);
        let worked: boolean;
        try {
          worked = await this.doWork();
        } finally {
          this.opts.clock.clearTimeout(watchdog);
        }
        if (!worked) await this.idle();
      } catch (e) {
        // a bug, not a leader error: keep the fetcher alive, back everything off
        this.log.error({ err: e }, 'replica fetcher iteration failed');
        this.delayAll();
        await this.idle();
      }
    }
  }

  private warnStalled(): void {
    this.log.warn({ waitingFor: [...this.waitingFor], stallWarnMs: this.opts.config.stallWarnMs ?? STALL_WARN_MS }, 'replica fetcher round has not finished; still waiting');
  }

  /** Runs `op`, listed under `label` in the stall warning while it is pending. */
  private async waiting<T>(label: string, op: () => Promise<T>): Promise<T> {
    this.waitingFor.add(label);
    try {
      return await op();
    } finally {
      this.waitingFor.delete(label);
    }
  }

  /** One pass; false when there was nothing to send. */
  private async doWork(): Promise<boolean> {
    this.wakeRequested = false;
    const truncating = this.ready('truncating');
    if (truncating.length > 0) await this.truncationRound(truncating);
    if (this.stopped) return true;
    const fetching = this.ready('fetching');
    if (fetching.length > 0) await this.fetchRound(fetching);
    return truncating.length > 0 || fetching.length > 0;
  }

  private ready(phase: 'truncating' | 'fetching'): PartitionFetchState[] {
    const now = this.opts.clock.now();
    return [...this.states.values()].filter((s) => s.phase === phase && !s.isDelayed(now));
  }

  /** Sleeps until wake() or the end of the earliest back-off. */
  private async idle(): Promise<void> {
    if (this.wakeRequested || this.stopped) return;
    const now = this.opts.clock.now();
    let wait = Infinity;
    for (const s of this.states.values()) {
      const left = s.delayLeft(now);
      if (left > 0 && left < wait) wait = left;
    }
    const clock = this.opts.clock;
    await new Promise<void>((resolve) => {
      let timer: Timer | null = null;
      this.wakeWaiter = () => {
        if (timer !== null) clock.clearTimeout(timer);
        this.wakeWaiter = null;
        resolve();
      };
      if (wait !== Infinity) timer = clock.setTimeout(() => this.wakeWaiter?.(), wait);
    });
  }

  private wake(): void {
    this.wakeRequested = true;
    this.wakeWaiter?.();
  }

  // ---- truncation (KIP-101 / KIP-279) -------------------------------------------------------

  private async truncationRound(states: PartitionFetchState[]): Promise<void> {
    const asked: { state: PartitionFetchState; epoch: number }[] = [];
    const ops: Promise<void>[] = [];
    for (const s of states) {
      const epoch = s.replica.latestEpoch();
      if (epoch === null) ops.push(this.truncateWithoutEpoch(s));
      else asked.push({ state: s, epoch });
    }
    if (asked.length > 0) {
      let answers: EpochAnswer[] | null = null;
      try {
        answers = await this.waiting('OffsetForLeaderEpoch request', () =>
          this.opts.endpoint.offsetForLeaderEpoch(
            asked.map(({ state, epoch }) => ({ topic: state.replica.topic, partition: state.replica.partition, currentLeaderEpoch: state.currentLeaderEpoch, leaderEpoch: epoch })),
          ),
        );
        this.requestSucceeded();
      } catch (e) {
        if (!this.stopped) this.requestFailed('OffsetForLeaderEpoch', e);
      }
      if (answers !== null) {
        const byKey = new Map(answers.map((a) => [partitionKey(a.topic, a.partition), a]));
        for (const { state, epoch } of asked) {
          const a = byKey.get(state.key);
          if (a) ops.push(this.applyEpochAnswer(state, epoch, a));
        }
      }
    }
    await Promise.all(ops);
  }

  /** No local epoch (an empty log): nothing to compare; Kafka truncates to the high watermark. */
  private async truncateWithoutEpoch(s: PartitionFetchState): Promise<void> {
    try {
      const r = await s.run(async () => {
        const hw = s.replica.highWatermark?.();
        if (hw !== undefined) await this.truncate(s, hw, 'no leader epoch: high watermark');
      });
      if (r.ran && s.isActive) s.phase = 'fetching';
    } catch (e) {
      this.operationFailed(s, 'truncation', e);
    }
  }

  private async applyEpochAnswer(s: PartitionFetchState, askedEpoch: number, a: EpochAnswer): Promise<void> {
    if (!s.isActive || s.phase !== 'truncating') return;
    if (a.errorCode !== ErrorCode.NONE) {
      this.partitionError(s, a.errorCode, 'OffsetForLeaderEpoch');
      return;
    }
    try {
      const r = await s.run(async () => {
        const t = truncationTarget(s.replica, a.leaderEpoch, a.endOffset);
        await this.truncate(s, t.offset, `leader epoch ${a.leaderEpoch} ends at ${a.endOffset}`);
        // not done means our latest epoch was cut away; if it was not, the leader answered an
        // epoch above the one asked: stop asking, fetching detects any divergence left
        return t.complete || s.replica.latestEpoch() === askedEpoch;
      });
      if (r.ran && r.value && s.isActive) {
        s.phase = 'fetching';
        s.clearTrouble();
      }
    } catch (e) {
      this.operationFailed(s, 'truncation', e);
    }
  }

  /** Truncates the log to `offset` if that is below its end. Inside PartitionFetchState.run. */
  private async truncate(s: PartitionFetchState, offset: bigint, why: string): Promise<void> {
    const leo = s.replica.logEndOffset();
    if (offset >= leo) return;
    this.log.info({ topic: s.replica.topic, partition: s.replica.partition, from: leo.toString(), to: offset.toString(), why }, 'truncating follower log');
    await this.waiting(`truncate ${s.key} to ${offset}`, () => s.replica.truncateTo(offset));
  }

  // ---- fetch --------------------------------------------------------------------------------

  private async fetchRound(states: PartitionFetchState[]): Promise<void> {
    const sent: SentPartition[] = states.map((state) => ({ state, fetchOffset: state.replica.logEndOffset() }));
    let resp: FetchResponse;
    try {
      resp = await this.waiting('Fetch request', () => this.opts.endpoint.fetch(buildFetchRequest(this.opts.brokerId, this.opts.config, sent)));
    } catch (e) {
      if (!this.stopped) this.requestFailed('Fetch', e);
      return;
    }
    if (this.stopped) return;
    if (resp.errorCode !== ErrorCode.NONE) {
      this.requestFailed('Fetch', new KafkaError(resp.errorCode, `Fetch failed with ${ErrorCode[resp.errorCode] ?? resp.errorCode}`));
      return;
    }
    this.requestSucceeded();
    const byKey = new Map<string, PartitionData>();
    for (const t of resp.responses) for (const p of t.partitions) byKey.set(responseKey(t.topicId, p.partitionIndex), p);
    await Promise.all(
      sent.map(({ state, fetchOffset }) => {
        const pd = byKey.get(responseKey(state.replica.topicId, state.replica.partition));
        return pd ? this.applyFetched(state, fetchOffset, pd) : undefined;
      }),
    );
  }

  private async applyFetched(s: PartitionFetchState, fetchOffset: bigint, pd: PartitionData): Promise<void> {
    if (!s.isActive || s.phase !== 'fetching') return;
    if (pd.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) return this.handleOutOfRange(s);
    if (pd.errorCode !== ErrorCode.NONE) return this.partitionError(s, pd.errorCode, 'Fetch');
    if (isDiverging(pd.divergingEpoch)) return this.truncateOnDivergence(s, pd.divergingEpoch);
    try {
      const records = recordsToAppend(pd.records);
      const r = await this.waiting(`append to ${s.key} at offset ${fetchOffset}`, () => s.run(async () => {
        if (s.replica.logEndOffset() !== fetchOffset) return false; // the log moved meanwhile: refetch
        if (records.length > 0) await s.replica.appendAsFollower(records);
        // removed while appending: the partition may be turning leader, leave its HW alone
        if (s.isActive) s.replica.updateFromLeader(pd.highWatermark, pd.logStartOffset);
        return true;
      }));
      if (r.ran && r.value) s.clearTrouble();
    } catch (e) {
      this.operationFailed(s, 'append', e);
    }
  }

  /** KIP-320: the leader saw our last fetched epoch diverge; truncate, records are not applied. */
  private async truncateOnDivergence(s: PartitionFetchState, d: EpochEndOffset): Promise<void> {
    try {
      await s.run(async () => {
        const t = truncationTarget(s.replica, d.epoch, d.endOffset);
        await this.truncate(s, t.offset, `diverging epoch ${d.epoch} ends at ${d.endOffset}`);
      });
    } catch (e) {
      this.operationFailed(s, 'truncation', e);
    }
  }

  /**
   * Kafka's fetchOffsetAndTruncate without unclean election: leader end below ours ->
   * truncate to it; our end below the leader's start -> restart empty at the leader's start;
   * otherwise fetch again from our end.
   */
  private async handleOutOfRange(s: PartitionFetchState): Promise<void> {
    const { topic, partition } = s.replica;
    let leaderEnd: bigint;
    let leaderStart: bigint | null = null;
    try {
      leaderEnd = await this.opts.endpoint.fetchLatestOffset(topic, partition, s.currentLeaderEpoch);
      if (leaderEnd >= s.replica.logEndOffset()) leaderStart = await this.opts.endpoint.fetchEarliestOffset(topic, partition, s.currentLeaderEpoch);
    } catch (e) {
      if (e instanceof KafkaError) this.partitionError(s, e.code, 'ListOffsets');
      else if (!this.stopped) this.requestFailed('ListOffsets', e);
      return;
    }
    try {
      await s.run(async () => {
        const leo = s.replica.logEndOffset();
        const at = { topic, partition, logEndOffset: leo.toString(), leaderEnd: leaderEnd.toString(), leaderStart: leaderStart?.toString() };
        if (leaderEnd < leo) {
          this.log.warn(at, "fetch offset out of range: truncating to the leader's log end offset");
          await s.replica.truncateTo(leaderEnd);
        } else if (leaderStart !== null && leaderStart > leo) {
          this.log.warn(at, "fetch offset out of range: restarting the log empty at the leader's log start offset");
          await s.replica.truncateFullyAndStartAt(leaderStart);
        } else if (s.noteTrouble('out-of-range')) {
          this.log.info(at, 'fetch offset out of range: fetching again from the log end offset');
        }
      });
    } catch (e) {
      this.operationFailed(s, 'out-of-range reset', e);
    }
  }

  // ---- errors -------------------------------------------------------------------------------

  private delayAll(): void {
    const now = this.opts.clock.now();
    for (const s of this.states.values()) s.delay(now, this.opts.config.fetchBackoffMs);
  }

  /** The whole request failed: every partition backs off. */
  private requestFailed(api: string, e: unknown): void {
    this.delayAll();
    const info = { leaderHost: this.leader.host, leaderPort: this.leader.port, api, error: (e as Error)?.message ?? String(e) };
    if (!this.leaderTrouble) {
      this.leaderTrouble = true;
      this.log.warn(info, `request to the leader failed; retrying every ${this.opts.config.fetchBackoffMs} ms`);
    } else {
      this.log.debug(info, 'request to the leader failed again');
    }
  }

  private requestSucceeded(): void {
    if (this.leaderTrouble) {
      this.leaderTrouble = false;
      this.log.info({ leaderHost: this.leader.host, leaderPort: this.leader.port }, 'leader answers again');
    }
  }

  private partitionError(s: PartitionFetchState, code: number, api: string): void {
    onPartitionError(this.log, s, this.opts.clock.now(), this.opts.config.fetchBackoffMs, code, api);
  }

  private operationFailed(s: PartitionFetchState, what: string, e: unknown): void {
    onOperationFailed(this.log, s, this.opts.clock.now(), this.opts.config.fetchBackoffMs, what, e);
  }
}
