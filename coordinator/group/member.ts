/**
 * One member of a classic group (Kafka's ClassicGroupMember / MemberMetadata), plus the result
 * shapes handed to parked JoinGroup / SyncGroup requests.
 */
import type { Timer } from '../../storage/clock';
import { ErrorCode } from '../../protocol/errors';

export const EMPTY_BYTES: Buffer = Buffer.alloc(0);
/** JoinGroupRequest.UNKNOWN_MEMBER_ID */
export const UNKNOWN_MEMBER_ID = '';
/** Generation reported with errors and for groups without a generation. */
export const UNKNOWN_GENERATION_ID = -1;

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface JoinGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinGroupResult {
  errorCode: ErrorCode;
  memberId: string;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  /** '' when there is no leader (Kafka's NoLeader). */
  leaderId: string;
  skipAssignment: boolean;
  /** Non-empty only for the leader. */
  members: JoinGroupMember[];
}

export interface SyncGroupResult {
  errorCode: ErrorCode;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export function joinError(memberId: string, errorCode: ErrorCode): JoinGroupResult {
  return {
    errorCode,
    memberId,
    generationId: UNKNOWN_GENERATION_ID,
    protocolType: null,
    protocolName: null,
    leaderId: '',
    skipAssignment: false,
    members: [],
  };
}

export function syncError(errorCode: ErrorCode): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

export class MemberMetadata {
  /** Assignment from the last completed SyncGroup (opaque bytes). */
  assignment: Buffer = EMPTY_BYTES;
  /** Set while a JoinGroup from this member is parked. */
  awaitingJoin: ((r: JoinGroupResult) => void) | undefined;
  /** Set while a SyncGroup from this member is parked. */
  awaitingSync: ((r: SyncGroupResult) => void) | undefined;
  /** True from the first JoinGroup until that join completes (NewMemberJoinTimeoutMs applies). */
  isNew = false;
  /** Session (or new-member join) expiry timer; owned by the coordinator. */
  heartbeatTimer: Timer | undefined;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    public clientId: string,
    public clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public supportedProtocols: Protocol[],
  ) {}

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== undefined;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== undefined;
  }

  /** The member's metadata for a protocol it supports; throws otherwise (caller invariant). */
  metadata(protocol: string): Buffer {
    const p = this.supportedProtocols.find((x) => x.name === protocol);
    if (!p) throw new Error(`member ${this.memberId} does not support protocol ${protocol}`);
    return p.metadata;
  }

  /** Same protocols, same order, byte-identical metadata. */
  matches(protocols: readonly Protocol[]): boolean {
    if (protocols.length !== this.supportedProtocols.length) return false;
    return protocols.every((p, i) => {
      const mine = this.supportedProtocols[i];
      return mine !== undefined && mine.name === p.name && mine.metadata.equals(p.metadata);
    });
  }

  /** The member's most preferred protocol among the candidates. */
  vote(candidates: ReadonlySet<string>): string {
    const p = this.supportedProtocols.find((x) => candidates.has(x.name));
    if (!p) throw new Error(`member ${this.memberId} supports none of the candidate protocols`);
    return p.name;
  }
}
