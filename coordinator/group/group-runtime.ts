/**
 * The rebalance mechanics shared by the coordinator's entry points (Kafka GroupCoordinator's
 * private half): delayed joins (initial and normal), session/heartbeat expiry, pending members,
 * pending syncs, assignment propagation and group persistence.
 *
 * Order rule: every method runs synchronously to completion on the event loop, so each one sees
 * and leaves a group in a consistent state; the only suspension points are durable appends
 * (storeGroup), whose continuations re-check state and generation before acting.
 */
import type { Clock } from '../../storage/clock';
import { ErrorCode, errorCodeOf } from '../../protocol/errors';
import { ClassicGroup } from './classic-group';
import { RecordLog } from './coordinator-log';
import { encodeGroupMetadataKey, encodeGroupMetadataValue } from './group-records';
import { GroupState } from './group-state';
import { EMPTY_BYTES, JoinGroupResult, MemberMetadata, Protocol, joinError, UNKNOWN_MEMBER_ID } from './member';

/** Kafka's defaults; field names follow BrokerConfig (units in the names). */
export interface GroupCoordinatorConfig {
  offsetsTopicNumPartitions: number;
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  groupInitialRebalanceDelayMs: number;
  groupMaxSize: number;
  offsetsRetentionMs: number;
  offsetsRetentionCheckIntervalMs: number;
  offsetMetadataMaxBytes: number;
  offsetsLoadBufferSize: number;
  /** offsets.topic.compression.codec: Kafka's codec id (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd) of every batch written. */
  offsetsTopicCompressionCodec: number;
}

export const DEFAULT_GROUP_COORDINATOR_CONFIG: Readonly<GroupCoordinatorConfig> = Object.freeze({
  offsetsTopicNumPartitions: 50,
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1800000,
  groupInitialRebalanceDelayMs: 3000,
  groupMaxSize: 2147483647,
  offsetsRetentionMs: 10080 * 60 * 1000,
  offsetsRetentionCheckIntervalMs: 600000,
  offsetMetadataMaxBytes: 4096,
  offsetsLoadBufferSize: 5242880,
  offsetsTopicCompressionCodec: 0,
});

/** New members must complete their first join within this time (Kafka NewMemberJoinTimeoutMs). */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

export interface GroupLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export const SILENT_LOGGER: GroupLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Maps an append failure of group metadata (forOffsets=false) or offsets to the client's code. */
export function mapAppendError(e: unknown, forOffsets: boolean): ErrorCode {
  const code = errorCodeOf(e);
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return forOffsets ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE : ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return code;
  }
}

export class GroupRuntime {
  constructor(
    readonly config: GroupCoordinatorConfig,
    readonly clock: Clock,
    readonly records: RecordLog,
    readonly logger: GroupLogger,
  ) {}

  // ---- heartbeats and member expiry -------------------------------------------------------

  /** (Re)arms the member's expiry: session timeout, or the new-member join timeout. */
  scheduleHeartbeat(group: ClassicGroup, member: MemberMetadata): void {
    if (member.heartbeatTimer !== undefined) this.clock.clearTimeout(member.heartbeatTimer);
    const timeoutMs = member.isNew ? NEW_MEMBER_JOIN_TIMEOUT_MS : member.sessionTimeoutMs;
    const memberId = member.memberId;
    member.heartbeatTimer = this.clock.setTimeout(() => {
      if (member.memberId !== memberId) return; // a static member was given a new id meanwhile
      member.heartbeatTimer = undefined;
      this.onHeartbeatExpired(group, member);
    }, timeoutMs);
  }

  cancelHeartbeat(member: MemberMetadata): void {
    if (member.heartbeatTimer !== undefined) this.clock.clearTimeout(member.heartbeatTimer);
    member.heartbeatTimer = undefined;
  }

  private onHeartbeatExpired(group: ClassicGroup, member: MemberMetadata): void {
    if (group.is(GroupState.Dead) || group.members.get(member.memberId) !== member) return;
    // Members parked in a join or sync count as alive; their timer restarts when it completes.
    if (!member.isNew && (member.isAwaitingJoin || member.isAwaitingSync)) return;
    this.logger.info(`Member ${member.memberId} in group ${group.groupId} has failed, removing it from the group`);
    this.removeMemberAndUpdateGroup(group, member, `removing member ${member.memberId} on heartbeat expiration`);
  }

  schedulePendingMemberExpiration(group: ClassicGroup, memberId: string, sessionTimeoutMs: number): void {
    const old = group.pendingMembers.get(memberId);
    if (old !== undefined) this.clock.clearTimeout(old);
    const timer = this.clock.setTimeout(() => {
      if (!group.pendingMembers.has(memberId) || group.is(GroupState.Dead)) return;
      this.logger.info(`Pending member ${memberId} in group ${group.groupId} has been removed after session timeout expiration`);
      this.removePendingMemberAndUpdateGroup(group, memberId);
    }, sessionTimeoutMs);
    group.pendingMembers.set(memberId, timer);
  }

  removeMemberAndUpdateGroup(group: ClassicGroup, member: MemberMetadata, reason: string): void {
    // A new member may time out while its JoinGroup is parked: answer it so it can retry.
    group.invokeJoin(member, joinError(UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID));
    // A SyncGroup it left parked (e.g. it left from another connection) must not hang either.
    group.invokeSync(member, { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, protocolType: null, protocolName: null, assignment: EMPTY_BYTES });
    this.cancelHeartbeat(member);
    group.remove(member.memberId);
    switch (group.state) {
      case GroupState.Stable:
      case GroupState.CompletingRebalance:
        this.maybePrepareRebalance(group, reason);
        break;
      case GroupState.PreparingRebalance:
        this.checkJoin(group);
        break;
      default:
        break;
    }
  }

  removePendingMemberAndUpdateGroup(group: ClassicGroup, memberId: string): void {
    const timer = group.pendingMembers.get(memberId);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    group.remove(memberId);
    if (group.is(GroupState.PreparingRebalance)) this.checkJoin(group);
  }

  // ---- joining -----------------------------------------------------------------------------

  addMemberAndRebalance(
    group: ClassicGroup,
    p: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; rebalanceTimeoutMs: number; sessionTimeoutMs: number; protocolType: string; protocols: Protocol[]; reason: string },
    onJoin: (r: JoinGroupResult) => void,
  ): MemberMetadata {
    const member = new MemberMetadata(p.memberId, p.groupInstanceId, p.clientId, p.clientHost, p.rebalanceTimeoutMs, p.sessionTimeoutMs, p.protocolType, p.protocols);
    member.isNew = true;
    // During the initial rebalance every new member may extend the delay.
    if (group.is(GroupState.PreparingRebalance) && group.generationId === 0) group.newMemberAdded = true;
    group.add(member, onJoin);
    // Parked joins cannot heartbeat; expire new members that never complete a join.
    this.scheduleHeartbeat(group, member);
    this.maybePrepareRebalance(group, p.reason);
    return member;
  }

  updateMemberAndRebalance(group: ClassicGroup, member: MemberMetadata, protocols: Protocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number, reason: string, onJoin: (r: JoinGroupResult) => void): void {
    // A retried JoinGroup supersedes the parked one; answer the old request so it is not lost.
    group.invokeJoin(member, joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    group.updateMember(member, protocols, rebalanceTimeoutMs, sessionTimeoutMs, onJoin);
    this.maybePrepareRebalance(group, reason);
  }

  maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.canRebalance()) this.prepareRebalance(group, reason);
  }

  prepareRebalance(group: ClassicGroup, reason: string): void {
    // Members parked in SyncGroup must rejoin.
    if (group.is(GroupState.CompletingRebalance)) this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.cancelPendingSync(group);
    const isInitialRebalance = group.is(GroupState.Empty);
    group.transitionTo(GroupState.PreparingRebalance);
    this.logger.info(`Preparing to rebalance group ${group.groupId} in state ${group.state} with old generation ${group.generationId} (reason: ${reason})`);
    if (isInitialRebalance) {
      const delay = this.config.groupInitialRebalanceDelayMs;
      this.scheduleInitialJoin(group, delay, Math.max(group.rebalanceTimeoutMs - delay, 0));
    } else {
      this.scheduleJoin(group);
    }
  }

  private cancelJoin(group: ClassicGroup): void {
    if (group.joinOp) this.clock.clearTimeout(group.joinOp.timer);
    group.joinOp = undefined;
  }

  /** Normal delayed join: completes when all members rejoined, or at the rebalance timeout. */
  private scheduleJoin(group: ClassicGroup): void {
    this.cancelJoin(group);
    if (group.hasAllMembersJoined()) {
      this.completeJoin(group);
      return;
    }
    this.armJoinTimer(group);
  }

  /** Completes the join after the group's rebalance timeout unless another join op replaced this one. */
  private armJoinTimer(group: ClassicGroup): void {
    const op = { initial: false, timer: undefined as unknown };
    op.timer = this.clock.setTimeout(() => {
      if (group.joinOp !== op) return;
      group.joinOp = undefined;
      this.completeJoin(group);
    }, group.rebalanceTimeoutMs);
    group.joinOp = op;
  }

  /** Initial delayed join: never completes early; extended while new members keep arriving. */
  private scheduleInitialJoin(group: ClassicGroup, delayMs: number, remainingMs: number): void {
    this.cancelJoin(group);
    const op = { initial: true, timer: undefined as unknown };
    op.timer = this.clock.setTimeout(() => {
      if (group.joinOp !== op) return;
      group.joinOp = undefined;
      if (group.newMemberAdded && remainingMs !== 0) {
        group.newMemberAdded = false;
        const delay = Math.min(this.config.groupInitialRebalanceDelayMs, remainingMs);
        this.scheduleInitialJoin(group, delay, Math.max(remainingMs - delayMs, 0));
      } else {
        this.completeJoin(group);
      }
    }, delayMs);
    group.joinOp = op;
  }

  /** Kafka's checkAndComplete(GroupJoinKey): completes a normal delayed join once all joined. */
  checkJoin(group: ClassicGroup): void {
    if (!group.is(GroupState.PreparingRebalance)) return;
    const op = group.joinOp;
    if (op && !op.initial && group.hasAllMembersJoined()) {
      this.cancelJoin(group);
      this.completeJoin(group);
    }
  }

  private completeJoin(group: ClassicGroup): void {
    if (!group.is(GroupState.PreparingRebalance)) return;
    // Dynamic members that did not rejoin in time are dropped; static members are kept.
    for (const m of group.notYetRejoinedMembers()) {
      if (m.isStatic) continue;
      this.logger.info(`Group ${group.groupId} removed dynamic member ${m.memberId} which did not rejoin`);
      this.cancelHeartbeat(m);
      group.remove(m.memberId);
    }
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Nobody rejoined: wait another round until session timeouts remove the silent members.
      this.logger.error(`Group ${group.groupId} could not complete rebalance because no members rejoined`);
      this.armJoinTimer(group);
      return;
    }
    group.initNextGeneration();
    if (group.is(GroupState.Empty)) {
      this.logger.info(`Group ${group.groupId} with generation ${group.generationId} is now empty`);
      void this.storeGroup(group, new Map()).then((err) => {
        if (err !== ErrorCode.NONE) this.logger.warn(`Failed to write empty metadata for group ${group.groupId}: error ${err}`);
      });
      return;
    }
    this.logger.info(`Stabilized group ${group.groupId} generation ${group.generationId} with ${group.size} members`);
    const leaderMembers = group.currentMemberMetadata();
    for (const member of group.members.values()) {
      const result: JoinGroupResult = {
        errorCode: ErrorCode.NONE,
        memberId: member.memberId,
        generationId: group.generationId,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        leaderId: group.leaderId ?? '',
        skipAssignment: false,
        members: group.isLeader(member.memberId) ? leaderMembers : [],
      };
      group.invokeJoin(member, result);
      member.isNew = false;
      this.scheduleHeartbeat(group, member);
    }
    this.schedulePendingSync(group);
  }

  // ---- syncing -----------------------------------------------------------------------------

  private schedulePendingSync(group: ClassicGroup): void {
    this.cancelPendingSync(group);
    for (const id of group.members.keys()) group.pendingSyncMembers.add(id);
    const generation = group.generationId;
    group.syncTimer = this.clock.setTimeout(() => {
      group.syncTimer = undefined;
      this.onPendingSyncExpired(group, generation);
    }, group.rebalanceTimeoutMs);
  }

  cancelPendingSync(group: ClassicGroup): void {
    if (group.syncTimer !== undefined) this.clock.clearTimeout(group.syncTimer);
    group.syncTimer = undefined;
  }

  /** A member's SyncGroup arrived (or it left): stop waiting for it. */
  removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) this.cancelPendingSync(group);
  }

  private onPendingSyncExpired(group: ClassicGroup, generation: number): void {
    if (generation !== group.generationId) return;
    if (!group.is(GroupState.CompletingRebalance) && !group.is(GroupState.Stable)) return;
    const missing = [...group.pendingSyncMembers];
    if (missing.length === 0) return;
    this.logger.info(`Group ${group.groupId} removing members ${missing.join(',')} that did not send SyncGroup in generation ${generation}`);
    for (const id of missing) {
      const m = group.members.get(id);
      if (m) this.cancelHeartbeat(m);
      group.remove(id);
    }
    this.prepareRebalance(group, `removing ${missing.join(',')} on pending sync request expiration`);
  }

  setAndPropagateAssignment(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): void {
    for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY_BYTES;
    this.propagateAssignment(group, ErrorCode.NONE);
  }

  resetAndPropagateAssignmentError(group: ClassicGroup, error: ErrorCode): void {
    for (const m of group.members.values()) m.assignment = EMPTY_BYTES;
    this.propagateAssignment(group, error);
  }

  private propagateAssignment(group: ClassicGroup, error: ErrorCode): void {
    const ok = error === ErrorCode.NONE;
    for (const m of group.members.values()) {
      const answered = group.invokeSync(m, {
        errorCode: error,
        protocolType: ok ? group.protocolType : null,
        protocolName: ok ? group.protocolName : null,
        assignment: m.assignment,
      });
      // Restart the session timer: it was ignored while the sync was parked.
      if (answered) this.scheduleHeartbeat(group, m);
    }
  }

  // ---- persistence -------------------------------------------------------------------------

  /** Writes the group metadata record; resolves to the client-facing error (NONE on success). */
  async storeGroup(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): Promise<ErrorCode> {
    const protocol = group.protocolName;
    const members = [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: protocol === null ? EMPTY_BYTES : m.metadata(protocol),
      assignment: assignment.get(m.memberId) ?? EMPTY_BYTES,
    }));
    const value = encodeGroupMetadataValue({
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol,
      leader: group.leaderId,
      currentStateTimestamp: BigInt(group.currentStateTimestampMs ?? -1),
      members,
    });
    try {
      await this.records.append(group.coordinatorPartition, [{ key: encodeGroupMetadataKey(group.groupId), value }], this.clock.now());
      return ErrorCode.NONE;
    } catch (e) {
      return mapAppendError(e, false);
    }
  }

  // ---- unloading ---------------------------------------------------------------------------

  /** The coordinator partition moved away: answer parked requests with NOT_COORDINATOR, stop timers. */
  unload(group: ClassicGroup): void {
    const previous = group.state;
    group.transitionTo(GroupState.Dead);
    this.cancelJoin(group);
    this.cancelPendingSync(group);
    for (const t of group.pendingMembers.values()) if (t !== undefined) this.clock.clearTimeout(t);
    for (const m of group.members.values()) {
      this.cancelHeartbeat(m);
      if (previous === GroupState.PreparingRebalance) group.invokeJoin(m, joinError(m.memberId, ErrorCode.NOT_COORDINATOR));
      group.invokeSync(m, { errorCode: ErrorCode.NOT_COORDINATOR, protocolType: null, protocolName: null, assignment: EMPTY_BYTES });
    }
  }
}
