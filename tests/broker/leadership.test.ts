// ReplicaLeadership applies LeaderAndIsr / StopReplica to real replicas (ReplicaManager over a
// real LogManager); the replica fetchers are a recording fake of Gregor's FollowerFetchers.
import { ErrorCode } from '../../protocol/errors';
import { LogManager } from '../../storage/log-manager';
import { ReplicaManager } from '../../broker/replica/replica-manager';
import { ReplicaLeadership, type FollowerFetchers, type LeaderAndIsrPartition } from '../../broker/replica/leadership';
import { createLogger } from '../../broker/logger';
import { config, ManualClock, rmDir, tmpDir } from '../storage/helpers';
import { existsSync } from 'fs';
import { join } from 'path';

const SELF = 1;
const log = createLogger({ level: 'silent' });

class RecordingFetchers implements FollowerFetchers {
  events: string[] = [];
  fetching = new Map<string, number>();
  addFetcherForPartitions(entries: Parameters<FollowerFetchers['addFetcherForPartitions']>[0]): void {
    for (const e of entries) {
      this.events.push(`add ${e.replica.topic}-${e.replica.partition} from ${e.leader.brokerId}`);
      this.fetching.set(`${e.replica.topic}-${e.replica.partition}`, e.leader.brokerId);
    }
  }
  async removeFetcherForPartitions(parts: { topic: string; partition: number }[]): Promise<void> {
    for (const p of parts) {
      this.events.push(`remove ${p.topic}-${p.partition}`);
      this.fetching.delete(`${p.topic}-${p.partition}`);
    }
  }
  async shutdown(): Promise<void> {}
}

function st(over: Partial<LeaderAndIsrPartition> = {}): LeaderAndIsrPartition {
  return { topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partition: 0, leader: SELF, leaderEpoch: 0, partitionEpoch: 0, isr: [1, 2], replicas: [1, 2], ...over };
}

const fence = (controllerEpoch: number, brokerEpoch = -1n) => ({ controllerId: 2, controllerEpoch, brokerEpoch });
const leaders = [{ brokerId: 2, host: '127.0.0.1', port: 9002 }];

describe('Broker > ReplicaLeadership', () => {
  let dir: string;
  let mgr: LogManager;
  let rm: ReplicaManager;
  let fetchers: RecordingFetchers;
  let leadership: ReplicaLeadership;
  let elected: string[];
  let resigned: string[];

  beforeEach(async () => {
    dir = tmpDir('gregor-leadership-');
    const clock = new ManualClock();
    mgr = await LogManager.open({ logDirs: [dir], defaultConfig: config(), clock });
    rm = new ReplicaManager(mgr, SELF, clock, log);
    fetchers = new RecordingFetchers();
    leadership = new ReplicaLeadership(rm, fetchers, () => config(), clock, log);
    elected = [];
    resigned = [];
    leadership.addListener({ onBecomeLeader: (p) => elected.push(`${p.key}@${p.leaderEpoch}`), onResign: (t, p) => resigned.push(`${t}-${p}`) });
  });
  afterEach(async () => {
    await rm.shutdown();
    await mgr.shutdown();
    rmDir(dir);
  });

  it('makes leaders and followers; a follower fetches from its leader, and stops fetching before it leads', async () => {
    const r = await leadership.becomeLeaderOrFollower(fence(1), [st(), st({ partition: 1, leader: 2 })], leaders);
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect([...r.errors.values()]).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    expect(rm.getPartition('t', 0)?.isLeader).toBe(true);
    expect(rm.getPartition('t', 1)?.role).toBe('follower');
    expect(fetchers.fetching.get('t-1')).toBe(2);
    expect(elected).toEqual(['t-0@0']);
    fetchers.events = [];
    await leadership.becomeLeaderOrFollower(fence(1), [st({ partition: 1, leaderEpoch: 1, partitionEpoch: 1 })], leaders);
    expect(fetchers.events).toEqual(['remove t-1']);
    expect(fetchers.fetching.has('t-1')).toBe(false);
    expect(rm.getPartition('t', 1)?.isLeader).toBe(true);
    // leader -> follower: listeners hear the resignation, the fetcher starts
    await leadership.becomeLeaderOrFollower(fence(1), [st({ leader: 2, leaderEpoch: 1, partitionEpoch: 1 })], leaders);
    expect(resigned).toEqual(['t-0']);
    expect(fetchers.fetching.get('t-0')).toBe(2);
  });

  it('refuses an older controller epoch whole, and a stale partition state per partition', async () => {
    await leadership.becomeLeaderOrFollower(fence(5), [st({ leaderEpoch: 3 })], leaders);
    const old = await leadership.becomeLeaderOrFollower(fence(4), [st({ leaderEpoch: 9, leader: 2 })], leaders);
    expect(old.errorCode).toBe(ErrorCode.STALE_CONTROLLER_EPOCH);
    expect(rm.getPartition('t', 0)?.isLeader).toBe(true);
    const stale = await leadership.becomeLeaderOrFollower(fence(5), [st({ leaderEpoch: 2, leader: 2 })], leaders);
    expect(stale.errors.get('t-0')).toBe(ErrorCode.STALE_CONTROLLER_EPOCH);
    expect(rm.getPartition('t', 0)?.isLeader).toBe(true);
  });

  it('refuses requests meant for an earlier registration of this broker (STALE_BROKER_EPOCH)', async () => {
    leadership.brokerEpoch = 100n;
    const r = await leadership.becomeLeaderOrFollower(fence(1, 99n), [st()], leaders);
    expect(r.errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
    expect(rm.getPartition('t', 0)).toBeUndefined();
    expect((await leadership.becomeLeaderOrFollower(fence(1, 100n), [st()], leaders)).errorCode).toBe(ErrorCode.NONE);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for a partition this broker does not replicate', async () => {
    const r = await leadership.becomeLeaderOrFollower(fence(1), [st({ replicas: [2, 3], leader: 2 })], leaders);
    expect(r.errors.get('t-0')).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(rm.getPartition('t', 0)).toBeUndefined();
  });

  it('StopReplica stops fetching and serving; with deletion it removes the log; an older leader epoch is fenced', async () => {
    await leadership.becomeLeaderOrFollower(fence(1), [st(), st({ partition: 1, leader: 2, leaderEpoch: 4 })], leaders);
    const fenced = await leadership.stopReplicas(fence(1), [{ topic: 't', partition: 1, leaderEpoch: 3, deletePartition: true }]);
    expect(fenced.errors.get('t-1')).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(fetchers.fetching.has('t-1')).toBe(true);
    await leadership.stopReplicas(fence(1), [{ topic: 't', partition: 1, leaderEpoch: 4, deletePartition: false }]);
    expect(fetchers.fetching.has('t-1')).toBe(false);
    expect(rm.getPartition('t', 1)?.role).toBe('offline');
    expect(existsSync(join(dir, 't-0'))).toBe(true);
    await leadership.stopReplicas(fence(1), [{ topic: 't', partition: 0, leaderEpoch: -2, deletePartition: true }]);
    expect(rm.getPartition('t', 0)).toBeUndefined();
    expect(resigned).toEqual(['t-0']);
  });
});
