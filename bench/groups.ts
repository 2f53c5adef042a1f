/**
 * Group coordinator benchmark. Starts one Gregor broker as a child process (temp data dir,
 * group.initial.rebalance.delay.ms=0) and measures, with raw protocol clients built on
 * protocol/ (pipelined requests, no client library overhead):
 *   1. offset commit throughput: 10 connections, each pipelining OffsetCommit v8 requests of one
 *      partition offset for its own group (target >= 50,000 commits/s); every commit is a durable
 *      __consumer_offsets append (acks=all);
 *   2. rebalance time of a 10-member group: 10 members send JoinGroup (v5) at once; measured from
 *      the last JoinGroup sent until every member holds its SyncGroup assignment (target < 100 ms).
 * Run: `npx tsx bench/groups.ts` (or `node dist/bench/groups.js` after a build).
 * Environment: BENCH_SCALE (default 1) scales the commit count.
 */
import fs from 'fs';
import os from 'os';
import { ApiKey } from '../protocol/generated/api-keys';
import type { JoinGroupResponse } from '../protocol/generated/join-group-response';
import type { OffsetCommitResponse } from '../protocol/generated/offset-commit-response';
import type { SyncGroupResponse } from '../protocol/generated/sync-group-response';
import type { FindCoordinatorResponse } from '../protocol/generated/find-coordinator-response';
import { encodeSubscription } from '../coordinator/group/consumer-protocol';
import { startBrokerProcess } from './broker-process';
import { RawClient } from './raw-client';

const SCALE = Number(process.env['BENCH_SCALE'] ?? '1');

const progress = (msg: string): void => {
  if (process.env['BENCH_DEBUG']) process.stderr.write(`[bench/groups] ${msg}\n`);
};

async function ensureCoordinator(c: RawClient, group: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = await c.request<unknown, FindCoordinatorResponse>(ApiKey.FindCoordinator, 3, { key: group, keyType: 0, coordinatorKeys: [] });
    if (r.errorCode === 0) return;
    progress(`FindCoordinator(${group}): error ${r.errorCode}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('no coordinator');
}

function commitBody(group: string, offset: bigint) {
  return {
    groupId: group,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1n,
    topics: [{ name: 'bench-topic', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' }] }],
  };
}

/** 10 clients, each keeping `window` commits in flight; returns commits/s. */
/** CPU seconds (user + system) used so far by process `pid` (Linux /proc), or NaN. */
function cpuSeconds(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks of 1/100 s
  } catch {
    return NaN;
  }
}

interface CommitRun {
  rate: number;
  errors: number;
  /** CPU seconds per wall second during the measured run (1 = one full core). */
  brokerCpu: number;
  clientCpu: number;
}

async function commitThroughput(host: string, port: number, perClient: number, brokerPid: number, window = 64): Promise<CommitRun> {
  const clients = await Promise.all(Array.from({ length: 10 }, () => RawClient.connect(port, host)));
  await clients[0]!.request(ApiKey.CreateTopics, 4, { topics: [{ name: 'bench-topic', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10000, validateOnly: false });
  await Promise.all(clients.map((c, i) => ensureCoordinator(c, `bench-g${i}`)));
  progress('coordinators found');
  // warm-up (loads the coordinator partitions, JIT)
  await Promise.all(clients.map((c, i) => c.request(ApiKey.OffsetCommit, 8, commitBody(`bench-g${i}`, 0n))));
  progress('warm-up done');
  let errors = 0;
  const t0 = process.hrtime.bigint();
  const broker0 = cpuSeconds(brokerPid);
  const client0 = process.cpuUsage();
  await Promise.all(
    clients.map(async (c, i) => {
      let sent = 0;
      const worker = async () => {
        while (sent < perClient) {
          const off = BigInt(++sent);
          const r = await c.request<unknown, OffsetCommitResponse>(ApiKey.OffsetCommit, 8, commitBody(`bench-g${i}`, off));
          if (r.topics[0]?.partitions[0]?.errorCode !== 0) errors++;
        }
      };
      await Promise.all(Array.from({ length: window }, worker));
    }),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const client = process.cpuUsage(client0);
  const brokerCpu = (cpuSeconds(brokerPid) - broker0) / secs;
  for (const c of clients) c.close();
  return { rate: (perClient * 10) / secs, errors, brokerCpu, clientCpu: (client.user + client.system) / 1e6 / secs };
}

/** One rebalance of `n` fresh members; ms from the last JoinGroup sent to the last assignment received. */
async function rebalanceTime(host: string, port: number, n: number, group: string): Promise<number> {
  const clients = await Promise.all(Array.from({ length: n }, () => RawClient.connect(port, host)));
  await ensureCoordinator(clients[0]!, group);
  const metadata = encodeSubscription(['bench-topic']);
  const join = (c: RawClient, memberId: string) =>
    c.request<unknown, JoinGroupResponse>(ApiKey.JoinGroup, 5, {
      groupId: group,
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 30000,
      memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata }],
      reason: null,
    });
  // Obtain member ids first (v4+ MEMBER_ID_REQUIRED), so the measured round is the rebalance itself.
  const ids = await Promise.all(clients.map(async (c) => (await join(c, '')).memberId));
  let lastJoinSent = 0n;
  let lastAssigned = 0n;
  await Promise.all(
    clients.map(async (c, i) => {
      let memberId = ids[i]!;
      for (;;) {
        lastJoinSent = process.hrtime.bigint();
        const j = await join(c, memberId);
        if (j.errorCode !== 0) throw new Error(`JoinGroup error ${j.errorCode}`);
        memberId = j.memberId;
        const assignments = j.leader === memberId ? j.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(m.memberId) })) : [];
        const s = await c.request<unknown, SyncGroupResponse>(ApiKey.SyncGroup, 3, { groupId: group, generationId: j.generationId, memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments });
        if (s.errorCode === 27) continue; // REBALANCE_IN_PROGRESS: rejoin
        if (s.errorCode !== 0) throw new Error(`SyncGroup error ${s.errorCode}`);
        lastAssigned = process.hrtime.bigint();
        return;
      }
    }),
  );
  for (const c of clients) c.close();
  return Number(lastAssigned - lastJoinSent) / 1e6;
}

async function main(): Promise<void> {
  // BENCH_BOOTSTRAP=host:port measures an already running broker (started with group.initial.rebalance.delay.ms=0).
  const external = process.env['BENCH_BOOTSTRAP'];
  const broker = external
    ? { child: null, host: external.split(':')[0]!, port: Number(external.split(':')[1]), dataDir: '' }
    : await startBrokerProcess('gregor-bench-groups-', ['group.initial.rebalance.delay.ms=0', 'offsets.topic.replication.factor=1']);
  const rows: string[] = [];
  try {
    const perClient = Math.max(1000, Math.round(20000 * SCALE));
    const commits = await commitThroughput(broker.host, broker.port, perClient, broker.child?.pid ?? -1);
    const cpu = `broker ${commits.brokerCpu.toFixed(2)} cores, bench client ${commits.clientCpu.toFixed(2)} cores`;
    rows.push(`| offset commits, 10 clients x ${perClient.toLocaleString('en-US')} (OffsetCommit v8, 1 partition each, 64 in flight per client) | ${Math.round(commits.rate).toLocaleString('en-US')} commits/s${commits.errors ? ` (${commits.errors} errors)` : ''} (${cpu}) | target >= 50,000 commits/s |`);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push(await rebalanceTime(broker.host, broker.port, 10, `bench-rebalance-${i}`));
    times.sort((a, b) => a - b);
    rows.push(`| rebalance of a 10-member group (delay 0), last JoinGroup -> all assignments, 5 runs | median ${times[2]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[4]!.toFixed(1)}) | target < 100 ms |`);
  } finally {
    if (broker.child) {
      const child = broker.child;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(broker.dataDir, { recursive: true, force: true, maxRetries: 5 });
    }
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    [`Machine: ${os.cpus().length} x ${cpu}, Node ${process.version}`, '', '| benchmark (group coordinator) | result | target |', '|---|---|---|', ...rows, ''].join('\n'),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? (e as Error).message}\n`);
  process.exit(1);
});
