/** TestContext for the group coordinator: fake clock + in-memory __consumer_offsets. */
import { GroupCoordinator } from '../../../coordinator/group/group-coordinator';
import { GroupCoordinatorConfig } from '../../../coordinator/group/group-runtime';
import { MemoryCoordinatorLog } from '../../../coordinator/group/coordinator-log';
import { JoinGroupArgs } from '../../../coordinator/group/membership';
import { encodeSubscription } from '../../../coordinator/group/consumer-protocol';
import {
  decodeGroupMetadataValue,
  decodeKey,
  decodeOffsetCommitValue,
  DecodedKey,
  GroupMetadataValue,
  OffsetCommitValue,
} from '../../../coordinator/group/group-records';
import { FakeClock, flush } from './fake-clock';

export const SUB = encodeSubscription(['orders']);

export interface DecodedRecord {
  key: DecodedKey;
  group?: GroupMetadataValue | null;
  offset?: OffsetCommitValue | null;
}

export async function makeContext(config: Partial<GroupCoordinatorConfig> = {}) {
  const clock = new FakeClock();
  const log = new MemoryCoordinatorLog();
  const gc = new GroupCoordinator({ log, clock, config: { offsetsTopicNumPartitions: 1, groupInitialRebalanceDelayMs: 0, ...config } });
  gc.startup();
  await gc.onElection(0, 0);
  const ctx = {
    clock,
    log,
    gc,
    joinArgs(over: Partial<JoinGroupArgs> = {}): JoinGroupArgs {
      return {
        groupId: 'g',
        memberId: '',
        groupInstanceId: null,
        clientId: 'client',
        clientHost: '/127.0.0.1',
        rebalanceTimeoutMs: 60000,
        sessionTimeoutMs: 10000,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: SUB }],
        requireKnownMemberId: false,
        supportSkippingAssignment: false,
        reason: null,
        ...over,
      };
    },
    /** Decoded records of partition 0, in order. */
    records(): DecodedRecord[] {
      return log.records(0).map((r) => {
        const key = decodeKey(r.key)!;
        if (key.kind === 'group') return { key, group: r.value ? decodeGroupMetadataValue(r.value) : null };
        return { key, offset: r.value ? decodeOffsetCommitValue(r.value) : null };
      });
    },
    /** Advances time and lets append continuations run. */
    async tick(ms = 0): Promise<void> {
      clock.advance(ms);
      await flush();
      await flush();
    },
    /** Joins a fresh dynamic member and completes the rebalance alone; returns its id. */
    async joinAlone(over: Partial<JoinGroupArgs> = {}) {
      const p = gc.joinGroup(ctx.joinArgs(over));
      await ctx.tick(0);
      const j = await p;
      const s = await gc.syncGroup({ groupId: j.memberId ? (over.groupId ?? 'g') : 'g', generationId: j.generationId, memberId: j.memberId, groupInstanceId: over.groupInstanceId ?? null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: j.memberId, assignment: Buffer.from('A1') }] });
      return { join: j, sync: s };
    },
  };
  return ctx;
}

/** Resolves-or-pending probe for a promise. */
export function probe<T>(p: Promise<T>): { done: () => boolean; value: () => T } {
  let done = false;
  let value: T | undefined;
  void p.then((v) => {
    done = true;
    value = v;
  });
  return { done: () => done, value: () => value as T };
}
