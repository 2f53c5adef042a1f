/**
 * JoinGroup, SyncGroup, Heartbeat and LeaveGroup against a classic group, after Kafka's
 * GroupCoordinator (handleJoinGroup & co). Validation common to all group APIs
 * (group id, loading, ownership) is done by the caller (GroupCoordinator) before these run.
 */
import { ErrorCode } from '../../protocol/errors';
import type { ClassicGroup } from './classic-group';
import { GroupState } from './group-state';
import type { GroupRuntime } from './group-runtime';
import { EMPTY_BYTES, JoinGroupResult, Protocol, SyncGroupResult, UNKNOWN_MEMBER_ID, joinError, syncError } from './member';

export interface JoinGroupArgs {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  /** JoinGroup v4+ without group.instance.id: a new member first gets MEMBER_ID_REQUIRED. */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+ (KIP-814). */
  supportSkippingAssignment: boolean;
  reason: string | null;
}

export interface SyncGroupArgs {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface HeartbeatArgs {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeavingMember {
  memberId: string;
  groupInstanceId: string | null;
  reason: string | null;
}

export interface LeaveGroupResult {
  errorCode: ErrorCode;
  members: { memberId: string; groupInstanceId: string | null; errorCode: ErrorCode }[];
}

/** Admission under group.max.size (Kafka acceptJoiningMember). */
function acceptJoiningMember(group: ClassicGroup, memberId: string, maxSize: number): boolean {
  switch (group.state) {
    case GroupState.Empty:
    case GroupState.Dead:
      return true;
    case GroupState.PreparingRebalance:
      return (group.has(memberId) && group.get(memberId).isAwaitingJoin) || group.numMembersAwaitingJoin < maxSize;
    default:
      return group.has(memberId) || group.size < maxSize;
  }
}

/** Runs a JoinGroup against an existing (or just created) group; `respond` may be called later. */
export function joinGroup(rt: GroupRuntime, group: ClassicGroup, a: JoinGroupArgs, respond: (r: JoinGroupResult) => void): void {
  if (!acceptJoiningMember(group, a.memberId, rt.config.groupMaxSize)) {
    group.remove(a.memberId);
    respond(joinError(UNKNOWN_MEMBER_ID, ErrorCode.GROUP_MAX_SIZE_REACHED));
  } else if (a.memberId === UNKNOWN_MEMBER_ID) {
    joinNewMember(rt, group, a, respond);
  } else {
    joinCurrentMember(rt, group, a, respond);
  }
  if (group.is(GroupState.PreparingRebalance)) rt.checkJoin(group);
}

function reasonOf(a: JoinGroupArgs, what: string): string {
  return `${what}; client reason: ${a.reason ?? 'not provided'}`;
}

function joinNewMember(rt: GroupRuntime, group: ClassicGroup, a: JoinGroupArgs, respond: (r: JoinGroupResult) => void): void {
  if (group.is(GroupState.Dead)) return respond(joinError(UNKNOWN_MEMBER_ID, ErrorCode.COORDINATOR_NOT_AVAILABLE));
  if (!group.supportsProtocols(a.protocolType, a.protocols)) return respond(joinError(UNKNOWN_MEMBER_ID, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
  const newMemberId = group.generateMemberId(a.clientId, a.groupInstanceId);
  if (a.groupInstanceId !== null) {
    const oldMemberId = group.currentStaticMemberId(a.groupInstanceId);
    if (oldMemberId !== undefined) {
      rt.logger.info(`Static member ${a.groupInstanceId} of group ${group.groupId} rejoins with a new member id; replacing ${oldMemberId}`);
      return updateStaticMemberAndRebalance(rt, group, oldMemberId, newMemberId, a, respond);
    }
    rt.addMemberAndRebalance(group, { ...a, memberId: newMemberId, reason: reasonOf(a, `Adding new static member ${a.groupInstanceId}`) }, respond);
    return;
  }
  if (a.requireKnownMemberId) {
    // Register the id and ask the client to come back with it (KIP-394).
    rt.schedulePendingMemberExpiration(group, newMemberId, a.sessionTimeoutMs);
    return respond(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
  }
  rt.addMemberAndRebalance(group, { ...a, memberId: newMemberId, reason: reasonOf(a, `Adding new member ${newMemberId}`) }, respond);
}

function updateStaticMemberAndRebalance(rt: GroupRuntime, group: ClassicGroup, oldMemberId: string, newMemberId: string, a: JoinGroupArgs, respond: (r: JoinGroupResult) => void): void {
  const instanceId = a.groupInstanceId as string;
  const currentLeader = group.leaderId ?? '';
  const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
  rt.scheduleHeartbeat(group, member);
  const oldProtocols = member.supportedProtocols;
  const oldRebalanceTimeoutMs = member.rebalanceTimeoutMs;
  const oldSessionTimeoutMs = member.sessionTimeoutMs;
  group.updateMember(member, a.protocols, a.rebalanceTimeoutMs, a.sessionTimeoutMs, respond);
  switch (group.state) {
    case GroupState.Stable: {
      // No rebalance unless the group's protocol would change: persist the new member id only.
      if (group.protocolName === group.selectProtocol()) {
        const assignment = new Map([...group.members.values()].map((m) => [m.memberId, m.assignment] as const));
        const generation = group.generationId;
        void rt.storeGroup(group, assignment).then((err) => {
          if (err !== ErrorCode.NONE) {
            rt.logger.warn(`Failed to persist static member ${instanceId} of group ${group.groupId}: error ${err}; reverting`);
            group.updateMember(member, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs, undefined);
            const old = group.replaceStaticMember(instanceId, newMemberId, oldMemberId);
            rt.scheduleHeartbeat(group, old);
            respond({ ...joinError(UNKNOWN_MEMBER_ID, err), generationId: group.generationId, protocolType: group.protocolType, protocolName: group.protocolName, leaderId: currentLeader });
            return;
          }
          const skip = a.supportSkippingAssignment && group.isLeader(newMemberId);
          group.invokeJoin(member, {
            errorCode: ErrorCode.NONE,
            memberId: newMemberId,
            generationId: generation,
            protocolType: group.protocolType,
            protocolName: group.protocolName,
            // Older clients get the old leader id so a rejoining static leader does not reassign.
            leaderId: a.supportSkippingAssignment ? (group.leaderId ?? '') : currentLeader,
            skipAssignment: skip,
            members: skip ? group.currentMemberMetadata() : [],
          });
        });
      } else {
        rt.maybePrepareRebalance(group, `Group's selectedProtocol will change because static member ${member.memberId} with instance id ${instanceId} joined with change of protocol`);
      }
      break;
    }
    case GroupState.CompletingRebalance:
      // The leader may already hold the old member id in its assignment: rebalance again.
      rt.prepareRebalance(group, `Updating metadata for static member ${member.memberId} with instance id ${instanceId}`);
      break;
    case GroupState.PreparingRebalance:
      break;
    default:
      throw new Error(`static member ${instanceId} rejoined group ${group.groupId} in unexpected state ${group.state}`);
  }
}

function joinCurrentMember(rt: GroupRuntime, group: ClassicGroup, a: JoinGroupArgs, respond: (r: JoinGroupResult) => void): void {
  const memberId = a.memberId;
  if (group.is(GroupState.Dead)) return respond(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
  if (!group.supportsProtocols(a.protocolType, a.protocols)) return respond(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
  if (group.isPendingMember(memberId)) {
    // The second JoinGroup of a member that got MEMBER_ID_REQUIRED.
    const timer = group.pendingMembers.get(memberId);
    if (timer !== undefined) rt.clock.clearTimeout(timer);
    rt.addMemberAndRebalance(group, { ...a, reason: reasonOf(a, `Pending member ${memberId} joining`) }, respond);
    return;
  }
  const instanceNotFound = a.groupInstanceId !== null && group.currentStaticMemberId(a.groupInstanceId) === undefined;
  if (group.isStaticMemberFenced(a.groupInstanceId, memberId)) return respond(joinError(memberId, ErrorCode.FENCED_INSTANCE_ID));
  if (!group.has(memberId) || instanceNotFound) return respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
  const member = group.get(memberId);
  const currentGeneration = (): JoinGroupResult => ({
    errorCode: ErrorCode.NONE,
    memberId,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leaderId: group.leaderId ?? '',
    skipAssignment: false,
    members: group.isLeader(memberId) ? group.currentMemberMetadata() : [],
  });
  switch (group.state) {
    case GroupState.PreparingRebalance:
      rt.updateMemberAndRebalance(group, member, a.protocols, a.rebalanceTimeoutMs, a.sessionTimeoutMs, reasonOf(a, `Member ${memberId} joining group during PreparingRebalance`), respond);
      break;
    case GroupState.CompletingRebalance:
      // Same metadata: it probably missed the JoinGroup response; hand it the current generation.
      if (member.matches(a.protocols)) respond(currentGeneration());
      else rt.updateMemberAndRebalance(group, member, a.protocols, a.rebalanceTimeoutMs, a.sessionTimeoutMs, reasonOf(a, `Updating metadata for member ${memberId} during CompletingRebalance`), respond);
      break;
    case GroupState.Stable:
      // The leader rejoining forces a rebalance (e.g. topic metadata changed); so does new metadata.
      if (group.isLeader(memberId) || !member.matches(a.protocols)) {
        rt.updateMemberAndRebalance(group, member, a.protocols, a.rebalanceTimeoutMs, a.sessionTimeoutMs, reasonOf(a, `Member ${memberId} rejoining group during Stable`), respond);
      } else {
        respond({ ...currentGeneration(), members: [] });
      }
      break;
    default:
      rt.logger.warn(`Member ${memberId} attempted to join group ${group.groupId} in unexpected state ${group.state}`);
      respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
  }
}

export function syncGroup(rt: GroupRuntime, group: ClassicGroup, a: SyncGroupArgs, respond: (r: SyncGroupResult) => void): void {
  if (group.is(GroupState.Dead)) return respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
  if (group.isStaticMemberFenced(a.groupInstanceId, a.memberId)) return respond(syncError(ErrorCode.FENCED_INSTANCE_ID));
  if (!group.has(a.memberId)) return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
  if (a.generationId !== group.generationId) return respond(syncError(ErrorCode.ILLEGAL_GENERATION));
  if (a.protocolType !== null && group.protocolType !== a.protocolType) return respond(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
  if (a.protocolName !== null && group.protocolName !== a.protocolName) return respond(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
  switch (group.state) {
    case GroupState.Empty:
      return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    case GroupState.PreparingRebalance:
      return respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    case GroupState.CompletingRebalance: {
      const member = group.get(a.memberId);
      if (member.awaitingSync) member.awaitingSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS)); // superseded retry
      member.awaitingSync = respond;
      rt.removePendingSyncMember(group, a.memberId);
      if (!group.isLeader(a.memberId)) return;
      // The leader's assignment: members it left out get an empty one.
      const assignment = new Map<string, Buffer>();
      for (const x of a.assignments) assignment.set(x.memberId, x.assignment);
      for (const id of group.members.keys()) if (!assignment.has(id)) assignment.set(id, EMPTY_BYTES);
      const generation = group.generationId;
      rt.logger.info(`Assignment received from leader ${a.memberId} for group ${group.groupId} for generation ${generation}`);
      void rt.storeGroup(group, assignment).then((err) => {
        // Another member may have joined meanwhile: act only if nothing moved on.
        if (!group.is(GroupState.CompletingRebalance) || group.generationId !== generation) return;
        if (err !== ErrorCode.NONE) {
          rt.resetAndPropagateAssignmentError(group, err);
          rt.maybePrepareRebalance(group, `Error ${err} when storing group assignment during SyncGroup (member: ${a.memberId})`);
        } else {
          rt.setAndPropagateAssignment(group, assignment);
          group.transitionTo(GroupState.Stable);
        }
      });
      return;
    }
    case GroupState.Stable: {
      rt.removePendingSyncMember(group, a.memberId);
      const member = group.get(a.memberId);
      respond({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
      rt.scheduleHeartbeat(group, member);
      return;
    }
    default:
      throw new Error(`SyncGroup reached unexpected state ${group.state} of group ${group.groupId}`);
  }
}

export function heartbeat(rt: GroupRuntime, group: ClassicGroup | undefined, a: HeartbeatArgs): ErrorCode {
  if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (group.isStaticMemberFenced(a.groupInstanceId, a.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
  if (!group.has(a.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (a.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  switch (group.state) {
    case GroupState.Empty:
      return ErrorCode.UNKNOWN_MEMBER_ID;
    case GroupState.CompletingRebalance:
    case GroupState.Stable:
      rt.scheduleHeartbeat(group, group.get(a.memberId));
      return ErrorCode.NONE;
    case GroupState.PreparingRebalance:
      rt.scheduleHeartbeat(group, group.get(a.memberId));
      return ErrorCode.REBALANCE_IN_PROGRESS;
    default:
      throw new Error(`Heartbeat reached unexpected state ${group.state} of group ${group.groupId}`);
  }
}

export function leaveGroup(rt: GroupRuntime, group: ClassicGroup | undefined, leaving: readonly LeavingMember[]): LeaveGroupResult {
  const result = (m: LeavingMember, errorCode: ErrorCode) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode });
  if (!group) return { errorCode: ErrorCode.NONE, members: leaving.map((m) => result(m, ErrorCode.UNKNOWN_MEMBER_ID)) };
  if (group.is(GroupState.Dead)) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
  const removeCurrent = (memberId: string, m: LeavingMember): void => {
    const member = group.get(memberId);
    rt.removeMemberAndUpdateGroup(group, member, `Removing member ${memberId} on LeaveGroup; client reason: ${m.reason ?? 'not provided'}`);
    rt.logger.info(`Member ${memberId} has left group ${group.groupId} through explicit LeaveGroup`);
  };
  const members = leaving.map((m) => {
    // Admin removal by group.instance.id carries no member id.
    if (m.memberId === UNKNOWN_MEMBER_ID) {
      const current = group.currentStaticMemberId(m.groupInstanceId);
      if (current === undefined) return result(m, ErrorCode.UNKNOWN_MEMBER_ID);
      removeCurrent(current, m);
      return result(m, ErrorCode.NONE);
    }
    if (group.isPendingMember(m.memberId)) {
      rt.removePendingMemberAndUpdateGroup(group, m.memberId);
      return result(m, ErrorCode.NONE);
    }
    if (group.isStaticMemberFenced(m.groupInstanceId, m.memberId)) return result(m, ErrorCode.FENCED_INSTANCE_ID);
    if (group.has(m.memberId)) {
      removeCurrent(m.memberId, m);
      return result(m, ErrorCode.NONE);
    }
    return result(m, ErrorCode.UNKNOWN_MEMBER_ID);
  });
  return { errorCode: ErrorCode.NONE, members };
}
