/**
 * A classic group's in-memory state (Kafka's ClassicGroup / GroupMetadata): members,
 * generation, protocol type and selection, leader, static members, pending members, and the
 * committed offsets. Pure state; timers and persistence are driven by GroupCoordinator.
 *
 * Invariants:
 * - numMembersAwaitingJoin == count of members with awaitingJoin set.
 * - supportedProtocols[p] == count of members listing protocol p.
 * - staticMembers maps each static member's group.instance.id to its current member id.
 * - leaderId is null iff members is empty, or names a member.
 */
import { randomUUID } from 'crypto';
import type { Clock, Timer } from '../../storage/clock';
import { ErrorCode } from '../../protocol/errors';
import { GroupState, VALID_PREVIOUS_STATES } from './group-state';
import { EMPTY_BYTES, JoinGroupMember, JoinGroupResult, MemberMetadata, Protocol, SyncGroupResult } from './member';
import { parseSubscriptionTopics } from './consumer-protocol';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface OffsetAndMetadata {
  offset: bigint;
  /** -1 when unknown. */
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: bigint;
  /** Only from OffsetCommit v1-v4 with an explicit retention; null otherwise. */
  expireTimestampMs: bigint | null;
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export interface CommittedOffset extends OffsetAndMetadata {
  topic: string;
  partition: number;
  /**
   * Offset in __consumer_offsets of the batch holding this commit's record, when known: a
   * transactional commit replaces the visible offset only if its batch is newer (Kafka's
   * CommitRecordMetadataAndOffset.olderThan).
   */
  batchOffset?: bigint;
}

/** A transactional offset commit waiting for its transaction's marker; batchOffset is set once its record is durable. */
export type PendingTxnOffset = CommittedOffset;

export class ClassicGroup {
  private _state = GroupState.Empty;
  /** Wall-clock ms of the last state change that Kafka records (generation bump / load). */
  currentStateTimestampMs: number | null = null;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, MemberMetadata>();
  /** group.instance.id -> member id */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, awaiting their second JoinGroup. */
  readonly pendingMembers = new Map<string, Timer | undefined>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  numMembersAwaitingJoin = 0;
  private readonly supportedProtocols = new Map<string, number>();
  /** Set when a member joins during the initial (delayed) rebalance. */
  newMemberAdded = false;
  /** Topics the consumer members subscribe to; null when unknown (not a consumer group). */
  subscribedTopics: Set<string> | null = null;
  readonly offsets = new Map<string, CommittedOffset>();
  /** tp key -> number of commits in flight (for requireStable). */
  readonly pendingOffsetCommits = new Map<string, number>();
  /**
   * producer id -> tp key -> its transactional offset commit, invisible to OffsetFetch until the
   * COMMIT marker (dropped on ABORT). An entry without batchOffset is still being appended.
   */
  readonly pendingTxnOffsets = new Map<bigint, Map<string, PendingTxnOffset>>();
  /** The pending delayed join (initial = group.initial.rebalance.delay.ms phase); owned by the coordinator. */
  joinOp: { timer: Timer; initial: boolean } | undefined;
  /** Pending-sync expiration timer; owned by the coordinator. */
  syncTimer: Timer | undefined;

  constructor(
    readonly groupId: string,
    readonly coordinatorPartition: number,
    private readonly clock: Clock,
  ) {}

  get state(): GroupState {
    return this._state;
  }

  is(s: GroupState): boolean {
    return this._state === s;
  }

  /** Asserts the move against VALID_PREVIOUS_STATES. */
  transitionTo(target: GroupState): void {
    if (!VALID_PREVIOUS_STATES[target].includes(this._state)) {
      throw new Error(`Group ${this.groupId} should be in one of ${VALID_PREVIOUS_STATES[target].join(',')} before moving to ${target}, but is ${this._state}`);
    }
    this._state = target;
    this.currentStateTimestampMs = this.clock.now();
  }

  /** Sets the state directly; only for loading persisted state. */
  restoreState(s: GroupState.Empty | GroupState.Stable): void {
    this._state = s;
  }

  get size(): number {
    return this.members.size;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  get(memberId: string): MemberMetadata {
    const m = this.members.get(memberId);
    if (!m) throw new Error(`member ${memberId} not in group ${this.groupId}`);
    return m;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingMembers.has(memberId);
  }

  currentStaticMemberId(groupInstanceId: string | null): string | undefined {
    return groupInstanceId === null ? undefined : this.staticMembers.get(groupInstanceId);
  }

  /** A static member whose instance id now maps to another member id is fenced. */
  isStaticMemberFenced(groupInstanceId: string | null, memberId: string): boolean {
    const current = this.currentStaticMemberId(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  generateMemberId(clientId: string, groupInstanceId: string | null): string {
    return `${groupInstanceId ?? clientId}-${randomUUID()}`;
  }

  canRebalance(): boolean {
    return VALID_PREVIOUS_STATES[GroupState.PreparingRebalance].includes(this._state);
  }

  /** Max of members' rebalance timeouts (ms). */
  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  add(member: MemberMetadata, onJoin?: (r: JoinGroupResult) => void): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    for (const p of member.supportedProtocols) this.supportedProtocols.set(p.name, (this.supportedProtocols.get(p.name) ?? 0) + 1);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (onJoin) {
      member.awaitingJoin = onJoin;
      this.numMembersAwaitingJoin++;
    }
    this.pendingMembers.delete(member.memberId);
  }

  remove(memberId: string): MemberMetadata | undefined {
    const member = this.members.get(memberId);
    if (member) {
      this.members.delete(memberId);
      for (const p of member.supportedProtocols) this.supportedProtocols.set(p.name, (this.supportedProtocols.get(p.name) ?? 1) - 1);
      if (member.isAwaitingJoin) this.numMembersAwaitingJoin--;
      if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.isLeader(memberId)) {
      const next = this.members.keys().next();
      this.leaderId = next.done ? null : next.value;
    }
    this.pendingMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
    return member;
  }

  /** Moves a static member to a new member id; fences whoever waits on the old id. */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): MemberMetadata {
    const member = this.members.get(oldMemberId);
    if (!member) throw new Error(`static member ${oldMemberId} not in group ${this.groupId}`);
    this.members.delete(oldMemberId);
    this.invokeJoin(member, { ...fencedJoin(oldMemberId) });
    this.invokeSync(member, { errorCode: ErrorCode.FENCED_INSTANCE_ID, protocolType: null, protocolName: null, assignment: EMPTY_BYTES });
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return member;
  }

  updateMember(member: MemberMetadata, protocols: Protocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number, onJoin: ((r: JoinGroupResult) => void) | undefined): void {
    for (const p of member.supportedProtocols) this.supportedProtocols.set(p.name, (this.supportedProtocols.get(p.name) ?? 1) - 1);
    for (const p of protocols) this.supportedProtocols.set(p.name, (this.supportedProtocols.get(p.name) ?? 0) + 1);
    member.supportedProtocols = protocols;
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (onJoin && !member.isAwaitingJoin) this.numMembersAwaitingJoin++;
    else if (!onJoin && member.isAwaitingJoin) this.numMembersAwaitingJoin--;
    member.awaitingJoin = onJoin;
  }

  /** Answers a parked JoinGroup, if any. */
  invokeJoin(member: MemberMetadata, result: JoinGroupResult): void {
    const cb = member.awaitingJoin;
    if (!cb) return;
    member.awaitingJoin = undefined;
    this.numMembersAwaitingJoin--;
    cb(result);
  }

  /** Answers a parked SyncGroup, if any. Returns whether one was parked. */
  invokeSync(member: MemberMetadata, result: SyncGroupResult): boolean {
    const cb = member.awaitingSync;
    if (!cb) return false;
    member.awaitingSync = undefined;
    cb(result);
    return true;
  }

  hasAllMembersJoined(): boolean {
    return this.members.size === this.numMembersAwaitingJoin && this.pendingMembers.size === 0;
  }

  notYetRejoinedMembers(): MemberMetadata[] {
    return [...this.members.values()].filter((m) => !m.isAwaitingJoin);
  }

  /** Keeps the current leader if it rejoined, else picks any rejoined member. False if none rejoined. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader?.isAwaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.isAwaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /**
   * A joining member's protocols fit the group: when Empty, it needs a protocol type and at
   * least one protocol; otherwise the same protocol type and a protocol every member supports.
   */
  supportsProtocols(memberProtocolType: string, protocols: readonly Protocol[]): boolean {
    if (this.is(GroupState.Empty)) return memberProtocolType.length > 0 && protocols.length > 0;
    return this.protocolType === memberProtocolType && protocols.some((p) => this.supportedProtocols.get(p.name) === this.members.size);
  }

  /** The protocol all members support that most members prefer (Kafka's selectProtocol). */
  selectProtocol(): string {
    if (this.members.size === 0) throw new Error('Cannot select protocol for empty group');
    const candidates = new Set<string>();
    for (const [p, n] of this.supportedProtocols) if (n === this.members.size) candidates.add(p);
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const v = m.vote(candidates);
      votes.set(v, (votes.get(v) ?? 0) + 1);
    }
    let best = '';
    let bestVotes = -1;
    for (const [p, n] of votes) {
      if (n > bestVotes) {
        best = p;
        bestVotes = n;
      }
    }
    return best;
  }

  /** Bumps the generation; CompletingRebalance with members, Empty without. */
  initNextGeneration(): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo(GroupState.CompletingRebalance);
    } else {
      this.protocolName = null;
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo(GroupState.Empty);
    }
    this.pendingSyncMembers.clear();
  }

  computeSubscribedTopics(): Set<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.members.size === 0) return new Set();
    if (this.protocolName === null) return null;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const parsed = parseSubscriptionTopics(m.metadata(this.protocolName));
      if (parsed === null) return null;
      for (const t of parsed) topics.add(t);
    }
    return topics;
  }

  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics === null ? true : this.subscribedTopics.has(topic);
  }

  /** Member list with metadata of the selected protocol, as the leader receives it. */
  currentMemberMetadata(): JoinGroupMember[] {
    const protocol = this.protocolName;
    if (protocol === null || this.is(GroupState.Dead) || this.is(GroupState.PreparingRebalance)) {
      throw new Error(`Cannot obtain member metadata for group ${this.groupId} in state ${this.state}`);
    }
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(protocol) }));
  }

  hasOffsets(): boolean {
    return this.offsets.size > 0 || this.pendingOffsetCommits.size > 0 || this.pendingTxnOffsets.size > 0;
  }

  /** A commit of this partition is in flight or waits for its transaction (requireStable fetches: UNSTABLE_OFFSET_COMMIT). */
  hasPendingCommit(k: string): boolean {
    if (this.pendingOffsetCommits.has(k)) return true;
    for (const byTp of this.pendingTxnOffsets.values()) if (byTp.has(k)) return true;
    return false;
  }
}

function fencedJoin(memberId: string): JoinGroupResult {
  return { errorCode: ErrorCode.FENCED_INSTANCE_ID, memberId, generationId: -1, protocolType: null, protocolName: null, leaderId: '', skipAssignment: false, members: [] };
}
