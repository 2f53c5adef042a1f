/**
 * ZkMetadataStore against a real ZooKeeper that expires its session the way a paused broker
 * sees it (this process frozen past the session timeout), that is unreachable while the store
 * needs a new session, or that is gone when the store closes. Each test has its own server:
 * they pause and kill it.
 */
import type { MetadataEvent, SessionState } from '../../../coordinator/metadata-store';
import { ZkMetadataStore } from '../../../coordinator/zk/zk-metadata-store';
import { ZkCode } from '../../../coordinator/zk/zk-session';
import { TestLogger, expireZkSession, freezeEventLoop, startTestZooKeeper, takeOverAndClose, waitUntil, type TestZooKeeper } from './zk-test-env';

jest.setTimeout(30_000);

const EP = [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'h1', port: 9092 }];
const SESSION_MS = 2000;
const CONNECTION_MS = 1000;

let zk: TestZooKeeper;
let connect: string;
let chrootSeq = 0;
const opened: ZkMetadataStore[] = [];

beforeEach(async () => {
  zk = await startTestZooKeeper();
  connect = `${zk.server.connectString}/expiry-${++chrootSeq}`;
});
afterEach(async () => {
  // Bounded, so a store whose close() hangs fails its own test rather than every later one.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(opened.splice(0).map((s) => s.close())), new Promise((r) => (timer = setTimeout(r, 5000)))]);
  clearTimeout(timer);
  await zk.stop();
});

async function started(logger = new TestLogger(), connectionTimeoutMs = CONNECTION_MS): Promise<ZkMetadataStore> {
  const s = new ZkMetadataStore({ connect, sessionTimeoutMs: SESSION_MS, connectionTimeoutMs, logger });
  await s.start();
  opened.push(s);
  return s;
}

function record(store: ZkMetadataStore): MetadataEvent[] {
  const events: MetadataEvent[] = [];
  store.onChange((e) => events.push(e));
  return events;
}

const sessionStates = (events: readonly MetadataEvent[]): SessionState[] => events.flatMap((e) => (e.type === 'session' ? [e.state] : []));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Settled = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };
function settle(p: Promise<unknown>): { result: Settled | undefined; done: Promise<Settled> } {
  const box: { result: Settled | undefined; done: Promise<Settled> } = { result: undefined, done: undefined! };
  box.done = p.then(
    (value) => (box.result = { ok: true, value }),
    (error: unknown) => (box.result = { ok: false, error }),
  );
  return box;
}

/** Pauses the server when the store reports its expiry (so the new session has to be retried), for `ms` or until resumed by the test. */
function pauseServerOnExpiry(store: ZkMetadataStore, ms?: number): { pausedAt: number; resumedAt: number } {
  const times = { pausedAt: 0, resumedAt: 0 };
  store.onChange((e) => {
    if (e.type !== 'session' || e.state !== 'expired' || times.pausedAt) return;
    zk.server.signal('SIGSTOP');
    times.pausedAt = Date.now();
    if (ms !== undefined)
      setTimeout(() => {
        zk.server.signal('SIGCONT');
        times.resumedAt = Date.now();
      }, ms);
  });
  return times;
}

describe('ZkMetadataStore session expiry', () => {
  it('gets a new session after this process was frozen past the session timeout, with a call made while it reconnected', async () => {
    const logger = new TestLogger();
    const store = await started(logger);
    const before = await store.registerBroker({ brokerId: 1, endpoints: EP, rack: null });
    const events = record(store);
    // What a broker does on its own timers after SIGCONT: a write while the client is still
    // finding out that its session is gone. Such a call must end, and not hold up the store.
    let during: ReturnType<typeof settle> | undefined;
    store.onChange((e) => {
      if (e.type === 'session' && e.state === 'disconnected' && !during) during = settle(store.setBrokerConfigs(null, { 'log.retention.ms': '1' }));
    });

    freezeEventLoop(2.5 * SESSION_MS);

    await waitUntil(() => sessionStates(events).includes('connected'), 10_000, 'a new session');
    expect(sessionStates(events)).toEqual(['disconnected', 'expired', 'connected']);
    expect(during).toBeDefined();
    await waitUntil(() => during!.result !== undefined, 2000, 'the call made while reconnecting to end');
    expect(during!.result).toEqual({ ok: false, error: expect.objectContaining({ code: ZkCode.SESSION_EXPIRED }) });
    expect(store.liveBrokers()).toEqual([]);
    const after = await store.registerBroker({ brokerId: 1, endpoints: EP, rack: null });
    expect(after.brokerEpoch).toBeGreaterThan(before.brokerEpoch);
    expect(logger.errors).toEqual([]);
  });

  it('re-arms its watches on the new session: two frozen brokers see each other take and leave the controllership', async () => {
    const a = await started();
    const b = await started();
    await a.registerBroker({ brokerId: 1, endpoints: EP, rack: null });
    await b.registerBroker({ brokerId: 2, endpoints: EP, rack: null });
    expect(await a.tryElectController(1)).not.toBeNull();
    await waitUntil(() => b.controllerId() === 1, 5000, 'B to see A as controller');
    const [ea, eb] = [record(a), record(b)];

    freezeEventLoop(2.5 * SESSION_MS);

    await waitUntil(() => sessionStates(ea).includes('connected') && sessionStates(eb).includes('connected'), 10_000, 'new sessions for both');
    expect([a.controllerId(), b.controllerId()]).toEqual([-1, -1]);
    await a.registerBroker({ brokerId: 1, endpoints: EP, rack: null });
    await b.registerBroker({ brokerId: 2, endpoints: EP, rack: null });
    await waitUntil(() => a.liveBrokers().length === 2 && b.liveBrokers().length === 2, 5000, 'both to see both registrations');
    expect(await a.tryElectController(1)).not.toBeNull();
    await waitUntil(() => b.controllerId() === 1, 5000, 'B to see A elected on its new session');
    await a.close();
    await waitUntil(() => b.controllerId() === -1, 5000, 'B to see A gone');
    expect(await b.tryElectController(2)).not.toBeNull();
  });

  it('keeps trying to open a new session while ZooKeeper is unreachable, then announces it', async () => {
    const logger = new TestLogger();
    const store = await started(logger);
    const events = record(store);
    const times = pauseServerOnExpiry(store, 3.5 * CONNECTION_MS);

    await expireZkSession(store, zk.server.connectString);

    expect(times.resumedAt).toBeGreaterThan(0);
    expect(sessionStates(events).slice(-2)).toEqual(['expired', 'connected']);
    expect(logger.warnings.filter((w) => w.includes('no new ZooKeeper session yet')).length).toBeGreaterThanOrEqual(2);
    await store.registerBroker({ brokerId: 1, endpoints: EP, rack: null });
    expect(store.liveBrokers().map((b) => b.brokerId)).toEqual([1]);
    expect(logger.errors).toEqual([]);
  });
});

describe('ZkMetadataStore close() without ZooKeeper', () => {
  it('rejects a call that waits for a connection for connectionTimeoutMs, and closes within it, when ZooKeeper died', async () => {
    const store = await started();
    const events = record(store);
    await zk.stop();
    await waitUntil(() => sessionStates(events).includes('disconnected'), 5000, 'the disconnection');

    const t0 = Date.now();
    await expect(store.setBrokerConfigs(null, { 'log.retention.ms': '1' })).rejects.toMatchObject({ code: ZkCode.CONNECTION_LOSS });
    expect(Date.now() - t0).toBeLessThan(CONNECTION_MS + 500);

    const pending = settle(store.setBrokerConfigs(null, { 'log.retention.ms': '2' }));
    const t1 = Date.now();
    await store.close();
    expect(Date.now() - t1).toBeLessThan(CONNECTION_MS);
    await waitUntil(() => pending.result !== undefined, 500, 'the pending call to end');
    expect(pending.result?.ok).toBe(false);
  });

  it('closes within connectionTimeoutMs when ZooKeeper hangs with a request unanswered', async () => {
    const store = await started();
    zk.server.signal('SIGSTOP');
    const pending = settle(store.setBrokerConfigs(null, { 'log.retention.ms': '1' }));
    await sleep(100);
    const t0 = Date.now();
    await store.close();
    expect(Date.now() - t0).toBeLessThan(CONNECTION_MS);
    await waitUntil(() => pending.result !== undefined, 500, 'the pending call to end');
    expect(pending.result).toEqual({ ok: false, error: expect.objectContaining({ code: ZkCode.CONNECTION_LOSS }) });
  });

  it('closes within connectionTimeoutMs while it retries a new session, and announces none', async () => {
    const logger = new TestLogger();
    const store = await started(logger);
    const events = record(store);
    const times = pauseServerOnExpiry(store);
    const { sessionId, password } = store.sessionCredentials();
    for (let i = 0; i < 5 && !times.pausedAt; i++) {
      await takeOverAndClose(zk.server.connectString, sessionId, password);
      await waitUntil(() => times.pausedAt > 0, 2000).catch(() => undefined);
    }
    expect(times.pausedAt).toBeGreaterThan(0);
    await waitUntil(() => logger.warnings.some((w) => w.includes('no new ZooKeeper session yet')), 5000, 'a failed attempt');

    // The attempt in progress is cancelled, not waited for.
    const t0 = Date.now();
    await store.close();
    expect(Date.now() - t0).toBeLessThan(CONNECTION_MS / 4);
    zk.server.signal('SIGCONT');
    await sleep(CONNECTION_MS);
    // A take-over drops the connection first (and the client may win its session back, then
    // disconnected, connected); after the expiry, nothing.
    const states = sessionStates(events);
    expect(states.slice(states.indexOf('expired'))).toEqual(['expired']);
    expect(logger.errors).toEqual([]);
  });
});
