/**
 * The group coordinator facade the handlers call (Kafka GroupCoordinator): classic groups,
 * their rebalances and committed offsets, kept durably in __consumer_offsets.
 *
 * Ownership: a group belongs to partition coordinatorPartitionFor(groupId). The broker tells the
 * coordinator which partitions it leads (onElection/onResignation, or lazily through the
 * `leaderEpochOf` option). While a partition loads, its groups answer COORDINATOR_LOAD_IN_PROGRESS;
 * partitions not led here answer NOT_COORDINATOR.
 *
 * Ordering: each request runs synchronously against its group's in-memory state, so work for one
 * group is serialised by the event loop and different groups never wait on each other. Durable
 * appends are the only suspension points (see group-runtime.ts).
 */
import { CompressionType } from '../../protocol/records/record-batch';
import type { Clock, Timer } from '../../storage/clock';
import { systemClock } from '../../storage/clock';
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { ClassicGroup, CommittedOffset } from './classic-group';
import { CoordinatorLog, CoordinatorRecord, RecordLog } from './coordinator-log';
import { coordinatorPartitionFor } from './coordinator-partition';
import { loadGroupsAndPendingOffsets } from './group-loader';
import { encodeGroupMetadataKey } from './group-records';
import { DEFAULT_GROUP_COORDINATOR_CONFIG, GroupCoordinatorConfig, GroupLogger, GroupRuntime, SILENT_LOGGER } from './group-runtime';
import { GroupState, parseGroupState } from './group-state';
import { HeartbeatArgs, JoinGroupArgs, LeaveGroupResult, LeavingMember, SyncGroupArgs, heartbeat, joinGroup, leaveGroup, syncGroup } from './membership';
import { JoinGroupResult, SyncGroupResult, UNKNOWN_MEMBER_ID, joinError, syncError } from './member';
import { FetchedOffset, OffsetCommitEntry, OffsetManager, TopicPartitionRef } from './offset-manager';
import { describeGroup, GroupDescription, GroupOverview, overviewOf } from './group-summary';
import { TxnOffsetCommitArgs, TxnOffsetManager, validateTxnOffsetCommit } from './txn-offsets';

export type GroupApi = 'join' | 'sync' | 'heartbeat' | 'leave' | 'commit' | 'txnCommit' | 'fetch' | 'describe' | 'delete' | 'offsetDelete';

export interface GroupCoordinatorOptions {
  log: CoordinatorLog;
  config?: Partial<GroupCoordinatorConfig>;
  clock?: Clock;
  logger?: GroupLogger;
  /** Leader epoch of __consumer_offsets-p if this broker leads it, else null (lazy ownership). */
  leaderEpochOf?: (partition: number) => number | null;
}

type PartitionStatus = { state: 'loading' | 'active' | 'failed'; epoch: number; loaded?: Promise<void> };

export class GroupCoordinator {
  readonly config: GroupCoordinatorConfig;
  readonly clock: Clock;
  readonly runtime: GroupRuntime;
  readonly offsets: OffsetManager;
  readonly txnOffsets: TxnOffsetManager;
  private readonly groups = new Map<string, ClassicGroup>();
  private readonly partitions = new Map<number, PartitionStatus>();
  private readonly records: RecordLog;
  private readonly leaderEpochOf: ((p: number) => number | null) | undefined;
  private active = false;
  private expiryTimer: Timer | undefined;

  constructor(opts: GroupCoordinatorOptions) {
    this.config = { ...DEFAULT_GROUP_COORDINATOR_CONFIG, ...opts.config };
    this.clock = opts.clock ?? systemClock;
    this.records = new RecordLog(opts.log, this.config.offsetsTopicCompressionCodec as CompressionType);
    this.runtime = new GroupRuntime(this.config, this.clock, this.records, opts.logger ?? SILENT_LOGGER);
    this.offsets = new OffsetManager(this.runtime);
    this.txnOffsets = new TxnOffsetManager(this.runtime);
    this.leaderEpochOf = opts.leaderEpochOf;
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /**
   * Starts serving. Resolves once every partition led here (elected before startup, or found
   * through `leaderEpochOf`) has finished loading, so a broker that awaits it is up only with its
   * groups and committed offsets in memory. Never rejects: a failed load answers
   * COORDINATOR_NOT_AVAILABLE and is retried on the next request.
   */
  async startup(): Promise<void> {
    if (this.active) return;
    this.active = true;
    this.scheduleExpiry();
    if (this.leaderEpochOf) for (let p = 0; p < this.config.offsetsTopicNumPartitions; p++) this.statusOf(p);
    await Promise.all([...this.partitions.values()].map((s) => s.loaded));
  }

  shutdown(): void {
    this.active = false;
    if (this.expiryTimer !== undefined) this.clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    for (const p of [...this.partitions.keys()]) this.onResignation(p);
  }

  partitionFor(groupId: string): number {
    return coordinatorPartitionFor(groupId, this.config.offsetsTopicNumPartitions);
  }

  /** This broker now leads __consumer_offsets-`partition`: load its groups. */
  async onElection(partition: number, leaderEpoch: number): Promise<void> {
    const current = this.partitions.get(partition);
    if (current && current.epoch >= leaderEpoch && current.state !== 'failed') return;
    if (current) this.unloadGroups(partition);
    const status: PartitionStatus = { state: 'loading', epoch: leaderEpoch };
    this.partitions.set(partition, status);
    status.loaded = this.load(partition, status);
    return status.loaded;
  }

  private async load(partition: number, status: PartitionStatus): Promise<void> {
    const leaderEpoch = status.epoch;
    try {
      const { groups: loaded, producers } = await loadGroupsAndPendingOffsets(this.records, partition, this.config.offsetsLoadBufferSize, this.clock);
      if (this.partitions.get(partition) !== status) return; // resigned meanwhile
      for (const [producerId, ids] of producers) for (const id of ids) this.txnOffsets.addProducerGroup(producerId, id);
      for (const g of loaded) {
        this.groups.set(g.groupId, g);
        for (const m of g.members.values()) this.runtime.scheduleHeartbeat(g, m);
      }
      status.state = 'active';
      this.runtime.logger.info(`Finished loading ${loaded.length} groups of __consumer_offsets-${partition} (epoch ${leaderEpoch})`);
    } catch (e) {
      if (this.partitions.get(partition) === status) status.state = 'failed';
      this.runtime.logger.error(`Loading __consumer_offsets-${partition} failed: ${(e as Error).message}`);
    }
  }

  /** This broker no longer leads __consumer_offsets-`partition`. */
  onResignation(partition: number): void {
    this.unloadGroups(partition);
    this.partitions.delete(partition);
  }

  private unloadGroups(partition: number): void {
    for (const [id, g] of this.groups) {
      if (g.coordinatorPartition !== partition) continue;
      this.runtime.unload(g);
      this.groups.delete(id);
      this.txnOffsets.forgetGroup(id);
    }
  }

  /**
   * Resolves once the group's partition is loaded, if it is led here (FindCoordinator waits on it,
   * so clients meet a ready coordinator instead of COORDINATOR_LOAD_IN_PROGRESS). Never rejects.
   */
  async awaitLoaded(groupId: string): Promise<void> {
    const s = this.statusOf(this.partitionFor(groupId));
    if (s?.state === 'loading') await s.loaded;
  }

  /** Whether `partition` (or any partition) is loading. */
  isLoading(partition?: number): boolean {
    if (partition !== undefined) return this.partitions.get(partition)?.state === 'loading';
    for (const s of this.partitions.values()) if (s.state === 'loading') return true;
    return false;
  }

  // ---- validation --------------------------------------------------------------------------

  private statusOf(partition: number): PartitionStatus | undefined {
    let s = this.partitions.get(partition);
    if (this.leaderEpochOf) {
      const epoch = this.leaderEpochOf(partition);
      if (epoch === null) {
        if (s) this.onResignation(partition);
        return undefined;
      }
      if (!s || s.epoch < epoch || s.state === 'failed') {
        void this.onElection(partition, epoch);
        s = this.partitions.get(partition);
      }
    }
    return s;
  }

  /** Kafka validateGroupStatus: null when the request may proceed. */
  validate(groupId: string | null, api: GroupApi): ErrorCode | null {
    const emptyAllowed = api === 'commit' || api === 'fetch' || api === 'describe' || api === 'delete';
    if (groupId === null || (!emptyAllowed && groupId.length === 0)) return ErrorCode.INVALID_GROUP_ID;
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const s = this.statusOf(this.partitionFor(groupId));
    if (s?.state === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (s?.state !== 'active') return s?.state === 'failed' ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NOT_COORDINATOR;
    return null;
  }

  /** The group, if loaded here (tests and admin). */
  group(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId);
  }

  private getOrCreate(groupId: string): ClassicGroup {
    let g = this.groups.get(groupId);
    if (!g) {
      g = new ClassicGroup(groupId, this.partitionFor(groupId), this.clock);
      this.groups.set(groupId, g);
    }
    return g;
  }

  // ---- membership --------------------------------------------------------------------------

  joinGroup(a: JoinGroupArgs): Promise<JoinGroupResult> {
    const err = this.validate(a.groupId, 'join');
    if (err !== null) return Promise.resolve(joinError(a.memberId, err));
    if (a.sessionTimeoutMs < this.config.groupMinSessionTimeoutMs || a.sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs) {
      return Promise.resolve(joinError(a.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const isUnknownMember = a.memberId === UNKNOWN_MEMBER_ID;
    const isNewGroup = !this.groups.has(a.groupId);
    const group = isUnknownMember ? this.getOrCreate(a.groupId) : this.groups.get(a.groupId);
    if (!group) return Promise.resolve(joinError(a.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    return new Promise((resolve) => {
      joinGroup(this.runtime, group, a, resolve);
      // A group created by a join that was refused (e.g. INCONSISTENT_GROUP_PROTOCOL) is not kept.
      if (isNewGroup && group.is(GroupState.Empty) && group.size === 0 && group.pendingMembers.size === 0 && !group.hasOffsets() && this.groups.get(a.groupId) === group) {
        this.groups.delete(a.groupId);
      }
    });
  }

  syncGroup(a: SyncGroupArgs): Promise<SyncGroupResult> {
    const err = this.validate(a.groupId, 'sync');
    // While loading, the rebalance state is lost: REBALANCE_IN_PROGRESS makes the client rejoin.
    if (err === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    if (err !== null) return Promise.resolve(syncError(err));
    const group = this.groups.get(a.groupId);
    if (!group) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    return new Promise((resolve) => syncGroup(this.runtime, group, a, resolve));
  }

  heartbeat(a: HeartbeatArgs): ErrorCode {
    const err = this.validate(a.groupId, 'heartbeat');
    // While loading, answer blindly: the member keeps its session.
    if (err === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return ErrorCode.NONE;
    if (err !== null) return err;
    return heartbeat(this.runtime, this.groups.get(a.groupId), a);
  }

  leaveGroup(groupId: string, members: readonly LeavingMember[]): LeaveGroupResult {
    const err = this.validate(groupId, 'leave');
    if (err !== null) return { errorCode: err, members: [] };
    return leaveGroup(this.runtime, this.groups.get(groupId), members);
  }

  // ---- offsets -----------------------------------------------------------------------------

  /** Commits offsets; one error code per entry, in order. */
  async commitOffsets(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number, entries: readonly OffsetCommitEntry[]): Promise<ErrorCode[]> {
    const all = (e: ErrorCode) => entries.map(() => e);
    const err = this.validate(groupId, 'commit');
    if (err !== null) return all(err);
    let group = this.groups.get(groupId);
    if (!group) {
      // Without a generation the group only uses Kafka for offset storage; otherwise it is stale.
      if (generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = this.getOrCreate(groupId);
    }
    if (group.is(GroupState.Dead)) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (generationId >= 0 || memberId !== UNKNOWN_MEMBER_ID || groupInstanceId !== null) {
      if (group.isStaticMemberFenced(groupInstanceId, memberId)) return all(ErrorCode.FENCED_INSTANCE_ID);
      if ((generationId >= 0 || memberId !== UNKNOWN_MEMBER_ID) && !group.has(memberId)) return all(ErrorCode.UNKNOWN_MEMBER_ID);
      if (generationId >= 0 && generationId !== group.generationId) return all(ErrorCode.ILLEGAL_GENERATION);
    } else if (!group.is(GroupState.Empty)) {
      // Only members may commit to a group that has members.
      return all(ErrorCode.UNKNOWN_MEMBER_ID);
    }
    switch (group.state) {
      case GroupState.Empty:
        return this.offsets.storeOffsets(group, entries);
      case GroupState.Stable:
      case GroupState.PreparingRebalance:
        // Commits during PreparingRebalance are fine; the heartbeat tells the member to rejoin.
        this.runtime.scheduleHeartbeat(group, group.get(memberId));
        return this.offsets.storeOffsets(group, entries);
      case GroupState.CompletingRebalance:
        return all(ErrorCode.REBALANCE_IN_PROGRESS);
      default:
        throw new Error(`commit reached unexpected state ${group.state} of group ${groupId}`);
    }
  }

  /** TxnOffsetCommit: offsets pending until the producer's transaction ends; one error code per entry. */
  async commitTransactionalOffsets(a: TxnOffsetCommitArgs): Promise<ErrorCode[]> {
    const err = this.validate(a.groupId, 'txnCommit');
    if (err !== null) return a.entries.map(() => err);
    const group = this.getOrCreate(a.groupId);
    const invalid = validateTxnOffsetCommit(group, a);
    if (invalid !== null) return a.entries.map(() => invalid);
    return this.txnOffsets.storeTxnOffsets(group, a);
  }

  /** The producer's COMMIT / ABORT marker is durable in these partitions (WriteTxnMarkers). */
  onTransactionCompleted(producerId: bigint, partitions: readonly number[], isCommit: boolean): void {
    for (const id of this.txnOffsets.groupsOf(producerId)) {
      const g = this.groups.get(id);
      if (g && partitions.includes(g.coordinatorPartition) && !g.is(GroupState.Dead)) this.txnOffsets.completeTxn(g, producerId, isCommit);
    }
  }

  /** Committed offsets; `partitions` null = every partition the group has an offset for. */
  fetchOffsets(groupId: string, requireStable: boolean, partitions: readonly TopicPartitionRef[] | null): { errorCode: ErrorCode; offsets: FetchedOffset[] } {
    const err = this.validate(groupId, 'fetch');
    if (err !== null) return { errorCode: err, offsets: [] };
    return { errorCode: ErrorCode.NONE, offsets: this.offsets.fetch(this.groups.get(groupId), requireStable, partitions) };
  }

  // ---- admin -------------------------------------------------------------------------------

  describeGroup(groupId: string): GroupDescription {
    const err = this.validate(groupId, 'describe');
    if (err !== null) return { groupId, errorCode: err, state: '', protocolType: '', protocol: '', members: [] };
    const g = this.groups.get(groupId);
    if (!g) return { groupId, errorCode: ErrorCode.NONE, state: GroupState.Dead, protocolType: '', protocol: '', members: [] };
    return describeGroup(g);
  }

  /** Groups of loaded partitions; statesFilter/typesFilter are case-insensitive, empty = all. */
  listGroups(statesFilter: readonly string[] = [], typesFilter: readonly string[] = []): { errorCode: ErrorCode; groups: GroupOverview[] } {
    if (!this.active) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    const errorCode = this.isLoading() ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
    const states = new Set(statesFilter.map((s) => parseGroupState(s) ?? s));
    const types = new Set(typesFilter.map((t) => t.toLowerCase()));
    if (types.size > 0 && !types.has('classic')) return { errorCode, groups: [] };
    const groups: GroupOverview[] = [];
    for (const g of this.groups.values()) {
      if (g.is(GroupState.Dead)) continue;
      if (states.size > 0 && !states.has(g.state)) continue;
      groups.push(overviewOf(g));
    }
    return { errorCode, groups };
  }

  async deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; errorCode: ErrorCode }[]> {
    const results = new Map<string, ErrorCode>();
    const eligible: ClassicGroup[] = [];
    for (const id of groupIds) {
      const err = this.validate(id, 'delete');
      if (err !== null) {
        results.set(id, err);
        continue;
      }
      const g = this.groups.get(id);
      if (!g || g.is(GroupState.Dead)) results.set(id, ErrorCode.GROUP_ID_NOT_FOUND);
      else if (!g.is(GroupState.Empty)) results.set(id, ErrorCode.NON_EMPTY_GROUP);
      else {
        g.transitionTo(GroupState.Dead);
        eligible.push(g);
        results.set(id, ErrorCode.NONE);
      }
    }
    if (eligible.length > 0) await this.cleanupGroupMetadata(eligible, (g) => this.offsets.removeAllOffsets(g));
    return groupIds.map((groupId) => ({ groupId, errorCode: results.get(groupId) ?? ErrorCode.UNKNOWN_SERVER_ERROR }));
  }

  async deleteOffsets(groupId: string, partitions: readonly TopicPartitionRef[]): Promise<{ errorCode: ErrorCode; partitions: (TopicPartitionRef & { errorCode: ErrorCode })[] }> {
    const err = this.validate(groupId, 'offsetDelete');
    if (err !== null) return { errorCode: err, partitions: [] };
    const g = this.groups.get(groupId);
    if (!g || g.is(GroupState.Dead)) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitions: [] };
    let eligible: TopicPartitionRef[] = [];
    const out: (TopicPartitionRef & { errorCode: ErrorCode })[] = [];
    if (g.is(GroupState.Empty)) eligible = [...partitions];
    else if (g.protocolType === 'consumer') {
      for (const tp of partitions) {
        if (g.isSubscribedToTopic(tp.topic)) out.push({ ...tp, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC });
        else eligible.push(tp);
      }
    } else return { errorCode: ErrorCode.NON_EMPTY_GROUP, partitions: [] };
    if (eligible.length > 0) {
      await this.cleanupGroupMetadata([g], (x) => this.offsets.removeOffsets(x, eligible));
      for (const tp of eligible) out.push({ ...tp, errorCode: ErrorCode.NONE });
    }
    return { errorCode: ErrorCode.NONE, partitions: out };
  }

  /**
   * Removes offsets chosen by `selector`, turns Empty groups without offsets Dead, and writes the
   * tombstones (a group tombstone only if it ever had a generation). Returns offsets removed.
   */
  private async cleanupGroupMetadata(groups: readonly ClassicGroup[], selector: (g: ClassicGroup) => CommittedOffset[]): Promise<number> {
    const byPartition = new Map<number, CoordinatorRecord[]>();
    let removedCount = 0;
    for (const g of groups) {
      const removed = selector(g);
      removedCount += removed.length;
      if (g.is(GroupState.Empty) && !g.hasOffsets()) g.transitionTo(GroupState.Dead);
      const tombstones = this.offsets.tombstones(g, removed);
      if (g.is(GroupState.Dead) && this.groups.get(g.groupId) === g) {
        this.groups.delete(g.groupId);
        this.txnOffsets.forgetGroup(g.groupId);
        if (g.generationId > 0) tombstones.push({ key: encodeGroupMetadataKey(g.groupId), value: null });
      }
      if (tombstones.length === 0) continue;
      const list = byPartition.get(g.coordinatorPartition) ?? [];
      list.push(...tombstones);
      byPartition.set(g.coordinatorPartition, list);
    }
    await Promise.all(
      [...byPartition].map(([p, recs]) =>
        this.records.append(p, recs, this.clock.now()).catch((e: Error) => this.runtime.logger.warn(`Failed to write tombstones to __consumer_offsets-${p}: ${e.message}`)),
      ),
    );
    return removedCount;
  }

  private scheduleExpiry(): void {
    this.expiryTimer = this.clock.setTimeout(() => {
      this.expiryTimer = undefined;
      if (this.active) this.scheduleExpiry();
      void this.expireOffsets();
    }, this.config.offsetsRetentionCheckIntervalMs);
  }

  /** One pass of offset expiry over every loaded group (runs every offsets.retention.check.interval.ms). */
  async expireOffsets(): Promise<number> {
    const now = BigInt(this.clock.now());
    const groups = [...this.groups.values()].filter((g) => !g.is(GroupState.Dead));
    const removed = await this.cleanupGroupMetadata(groups, (g) => this.offsets.removeExpiredOffsets(g, now));
    if (removed > 0) this.runtime.logger.info(`Removed ${removed} expired offsets`);
    return removed;
  }
}

/** The broker's group coordinator slot as a GroupCoordinator; COORDINATOR_NOT_AVAILABLE if none is wired. */
export function requireGroupCoordinator(slot: unknown): GroupCoordinator {
  if (slot instanceof GroupCoordinator) return slot;
  throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'no group coordinator is running on this broker');
}

/** Kafka's clientHost form: "/" + the client's address (ctx.peer is "ip:port" or "[ip6]:port"). */
export function clientHostOf(peer: string): string {
  const m = /^\[?([^\]]*?)\]?:\d+$/.exec(peer);
  return `/${m?.[1] ?? peer}`;
}
