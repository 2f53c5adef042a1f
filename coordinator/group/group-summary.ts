/**
 * DescribeGroups / ListGroups views of a classic group (Kafka GroupMetadata.summary/overview).
 * Member metadata and assignments are only shown for Stable groups.
 */
import { ErrorCode } from '../../protocol/errors';
import type { ClassicGroup } from './classic-group';
import { GroupState } from './group-state';
import { EMPTY_BYTES } from './member';

export interface MemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  metadata: Buffer;
  assignment: Buffer;
}

export interface GroupDescription {
  groupId: string;
  errorCode: ErrorCode;
  /** '' with an error; 'Dead' for an unknown group. */
  state: string;
  protocolType: string;
  /** The selected protocol, only for Stable groups ('' otherwise). */
  protocol: string;
  members: MemberDescription[];
}

export interface GroupOverview {
  groupId: string;
  protocolType: string;
  state: GroupState;
  groupType: 'classic';
}

export function describeGroup(g: ClassicGroup): GroupDescription {
  const stable = g.is(GroupState.Stable) && g.protocolName !== null;
  const protocol = stable ? (g.protocolName as string) : '';
  const members = [...g.members.values()].map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    metadata: stable ? m.metadata(protocol) : EMPTY_BYTES,
    assignment: stable ? m.assignment : EMPTY_BYTES,
  }));
  return { groupId: g.groupId, errorCode: ErrorCode.NONE, state: g.state, protocolType: g.protocolType ?? '', protocol, members };
}

export function overviewOf(g: ClassicGroup): GroupOverview {
  return { groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state, groupType: 'classic' };
}
