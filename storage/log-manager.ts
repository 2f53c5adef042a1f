/**
 * All partition logs of this broker across `log.dirs` (Kafka's LogManager): startup load and
 * recovery, creation/deletion, checkpoints, background retention/compaction/flush, producer id
 * expiration, and clean shutdown.
 *
 * Per log dir files: meta.properties, recovery-point-offset-checkpoint,
 * replication-offset-checkpoint (high watermarks), log-start-offset-checkpoint,
 * cleaner-offset-checkpoint, and `.kafka_cleanshutdown` (present only between a clean
 * shutdown and the next startup's successful load).
 */
import * as fs from 'fs';
import * as path from 'path';
import { randomUUID } from 'crypto';
import { OffsetCheckpointFile, fsyncDir } from './checkpoint-file';
import { Clock, Timer, systemClock } from './clock';
import { LogConfig } from './log-config';
import { cleanLog } from './log-cleaner';
import { validFirstDirtyOffset } from './cleanable-range';
import {
  CLEANER_CHECKPOINT,
  CLEAN_SHUTDOWN_MARKER,
  DELETE_DIR_SUFFIX,
  LOG_START_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  REPLICATION_CHECKPOINT,
  parsePartitionDirName,
  partitionDirName,
} from './log-file-names';
import { Log } from './log';
import { LoadStats, loadLog } from './log-loader';
import { ensureMetaProperties } from './meta-properties';
import { applyRetention } from './log-retention';
import { NOOP_LOGGER, StorageLogger } from './types';

export interface LogManagerOptions {
  logDirs: string[];
  defaultConfig: LogConfig;
  clock?: Clock;
  logger?: StorageLogger;
  /** Written to / checked against meta.properties when given. */
  brokerId?: number;
  clusterId?: string;
  /** Per-topic config overrides for logs found at startup (default: defaultConfig). */
  configFor?: (topic: string) => LogConfig;
  /** Logs loaded in parallel at startup (Kafka's num.recovery.threads.per.data.dir, but async). */
  loadConcurrency?: number;
  /** log.retention.check.interval.ms (Kafka default 300000). */
  retentionCheckIntervalMs?: number;
  /** log.cleaner.backoff.ms (Kafka default 15000), read before each wait so a dynamic change applies. */
  cleanerBackoffMs?: number | (() => number);
  /** log.cleaner.enable (default true): false never compacts. */
  cleanerEnabled?: boolean;
  /** log.flush.offset.checkpoint.interval.ms (Kafka default 60000): every checkpoint file. */
  checkpointIntervalMs?: number;
  /** replica.high.watermark.checkpoint.interval.ms (Kafka default 5000): the high watermarks alone. */
  highWatermarkCheckpointIntervalMs?: number;
  /** How often flush.ms is checked (Kafka's log.flush.scheduler.interval.ms; default 1000 here). */
  flushCheckIntervalMs?: number;
  /** producer.id.expiration.ms (Kafka default 86400000): idle producers are forgotten after it; read at every check (dynamic). */
  producerIdExpirationMs?: number | (() => number);
  /** producer.id.expiration.check.interval.ms (Kafka default 600000). */
  producerIdExpirationCheckIntervalMs?: number;
}

export interface StartupStats {
  logs: number;
  cleanDirs: number;
  recoveredSegments: number;
  truncatedBytes: number;
  /** Bytes validated batch by batch during recovery. */
  scannedBytes: number;
  elapsedMs: number;
}

interface Entry {
  log: Log;
  dir: string;
}

const key = (topic: string, partition: number): string => `${topic}-${partition}`;

async function mapLimit<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  });
  await Promise.all(workers);
}

export class LogManager {
  private logs = new Map<string, Entry>();
  private creating = new Map<string, Promise<Log>>();
  /** Log dir chosen for each log being created (counted by leastLoadedDir). */
  private creatingDirs = new Map<string, string>();
  private cleanerCheckpoints = new Map<string, bigint>();
  /** The pending timer of each background task (one slot per task). */
  private timers: Timer[] = [];
  private running = new Set<Promise<unknown>>();
  private stopped = false;
  readonly clock: Clock;
  readonly logger: StorageLogger;
  startupStats: StartupStats = { logs: 0, cleanDirs: 0, recoveredSegments: 0, truncatedBytes: 0, scannedBytes: 0, elapsedMs: 0 };

  private constructor(private readonly opts: LogManagerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? NOOP_LOGGER;
  }

  /** Loads (and after an unclean shutdown, recovers) every log in every log dir. */
  static async open(opts: LogManagerOptions): Promise<LogManager> {
    if (opts.logDirs.length === 0) throw new Error('log.dirs is empty');
    const m = new LogManager(opts);
    const t0 = Date.now();
    for (const dir of opts.logDirs) await m.loadDir(dir);
    m.startupStats.elapsedMs = Date.now() - t0;
    m.startupStats.logs = m.logs.size;
    m.logger.info({ ...m.startupStats }, 'logs loaded');
    return m;
  }

  private async loadDir(dir: string): Promise<void> {
    await fs.promises.mkdir(dir, { recursive: true });
    await ensureMetaProperties(dir, { brokerId: this.opts.brokerId, clusterId: this.opts.clusterId });
    const marker = path.join(dir, CLEAN_SHUTDOWN_MARKER);
    const clean = fs.existsSync(marker);
    if (clean) this.startupStats.cleanDirs++;
    const read = async (name: string): Promise<Map<string, bigint>> => {
      try {
        return await new OffsetCheckpointFile(path.join(dir, name)).read();
      } catch (e) {
        this.logger.warn({ err: e, dir, name }, 'unreadable checkpoint; ignoring it');
        return new Map();
      }
    };
    const [rps, hws, starts, cleaner] = await Promise.all([
      read(RECOVERY_POINT_CHECKPOINT),
      read(REPLICATION_CHECKPOINT),
      read(LOG_START_CHECKPOINT),
      read(CLEANER_CHECKPOINT),
    ]);
    const entries = await fs.promises.readdir(dir, { withFileTypes: true });
    const parts: { name: string; topic: string; partition: number }[] = [];
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      if (e.name.endsWith(DELETE_DIR_SUFFIX)) {
        void fs.promises.rm(path.join(dir, e.name), { recursive: true, force: true });
        continue;
      }
      const tp = parsePartitionDirName(e.name);
      if (tp) parts.push({ name: e.name, ...tp });
    }
    const stats: LoadStats = { recoveredSegments: 0, truncatedBytes: 0, scannedBytes: 0 };
    await mapLimit(parts, this.opts.loadConcurrency ?? 32, async (p) => {
      const k = key(p.topic, p.partition);
      const log = await loadLog(
        {
          dir: path.join(dir, p.name),
          topicPartition: { topic: p.topic, partition: p.partition },
          config: this.opts.configFor?.(p.topic) ?? this.opts.defaultConfig,
          clock: this.clock,
          logger: this.logger,
          cleanShutdown: clean,
          recoveryPoint: rps.get(k),
          logStartOffset: starts.get(k),
          highWatermark: hws.get(k),
          producerIdExpirationMs: this.producerIdExpirationMs(),
        },
        stats,
      );
      this.register(k, log, dir);
      const c = cleaner.get(k);
      if (c !== undefined) this.cleanerCheckpoints.set(k, c);
    });
    this.startupStats.recoveredSegments += stats.recoveredSegments;
    this.startupStats.truncatedBytes += stats.truncatedBytes;
    this.startupStats.scannedBytes += stats.scannedBytes;
    // From now on a crash is unclean: the marker goes before anything can be appended.
    if (clean) {
      await fs.promises.rm(marker, { force: true });
      await fsyncDir(dir);
    }
  }

  private register(k: string, log: Log, dir: string): void {
    log.onRecoveryPointLowered = () => this.checkpoint();
    this.logs.set(k, { log, dir });
  }

  getLog(topic: string, partition: number): Log | undefined {
    return this.logs.get(key(topic, partition))?.log;
  }

  /** Returns the existing log (its config updated) or creates it in the least loaded log dir. */
  getOrCreateLog(topic: string, partition: number, config: LogConfig): Promise<Log> {
    const k = key(topic, partition);
    const existing = this.logs.get(k);
    if (existing) {
      if (existing.log.config !== config) existing.log.updateConfig(config);
      return Promise.resolve(existing.log);
    }
    const pending = this.creating.get(k);
    if (pending) return pending;
    const dir = this.leastLoadedDir();
    this.creatingDirs.set(k, dir);
    const p = (async () => {
      const log = await loadLog({
        dir: path.join(dir, partitionDirName(topic, partition)),
        topicPartition: { topic, partition },
        config,
        clock: this.clock,
        logger: this.logger,
        cleanShutdown: false,
        producerIdExpirationMs: this.producerIdExpirationMs(),
      });
      this.register(k, log, dir);
      return log;
    })();
    this.creating.set(k, p);
    void p
      .finally(() => {
        this.creating.delete(k);
        this.creatingDirs.delete(k);
      })
      .catch(() => undefined);
    return p;
  }

  private leastLoadedDir(): string {
    const counts = new Map<string, number>(this.opts.logDirs.map((d) => [d, 0]));
    for (const e of this.logs.values()) counts.set(e.dir, (counts.get(e.dir) ?? 0) + 1);
    for (const d of this.creatingDirs.values()) counts.set(d, (counts.get(d) ?? 0) + 1);
    let best = this.opts.logDirs[0]!;
    for (const d of this.opts.logDirs) if ((counts.get(d) ?? 0) < (counts.get(best) ?? 0)) best = d;
    return best;
  }

  /** Removes the log: closes it, renames its directory to `*-delete`, removes it in the background. */
  async deleteLog(topic: string, partition: number): Promise<void> {
    const k = key(topic, partition);
    const e = this.logs.get(k);
    if (!e) return;
    this.logs.delete(k);
    this.cleanerCheckpoints.delete(k);
    await e.log.closeForDelete();
    const target = `${e.log.dir}.${randomUUID().replace(/-/g, '')}${DELETE_DIR_SUFFIX}`;
    await fs.promises.rename(e.log.dir, target);
    await fsyncDir(e.dir);
    await this.checkpoint(); // a re-created log must not inherit this one's recovery point
    this.track(fs.promises.rm(target, { recursive: true, force: true }));
  }

  allLogs(): Log[] {
    return [...this.logs.values()].map((e) => e.log);
  }

  logDirOf(log: Log): string {
    const e = this.logs.get(key(log.topicPartition.topic, log.topicPartition.partition));
    if (!e || e.log !== log) throw new Error('log is not managed here');
    return e.dir;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    void p.finally(() => this.running.delete(p)).catch(() => undefined);
    return p;
  }

  /** Runs `task` every `ms` (measured from the end of the previous run) until shutdown. */
  private every(ms: number | (() => number), task: () => Promise<unknown>): void {
    const slot = this.timers.length;
    const schedule = (): void => {
      if (this.stopped) return;
      const t = this.clock.setTimeout(() => {
        if (this.stopped) return;
        void this.track(task().catch((e) => this.logger.error({ err: e }, 'background storage task failed'))).finally(schedule);
      }, typeof ms === 'function' ? ms() : ms);
      const u = t as { unref?: () => void };
      if (typeof u?.unref === 'function') u.unref();
      this.timers[slot] = t;
    };
    this.timers.push(undefined);
    schedule();
  }

  /** Retention, compaction, flush.ms and checkpoints on timers (Kafka's scheduler). */
  startBackgroundTasks(): void {
    if (this.timers.length > 0 || this.stopped) return; // already started (or shut down)
    this.every(this.opts.retentionCheckIntervalMs ?? 300_000, () => this.runRetention());
    if (this.opts.cleanerEnabled !== false) this.every(this.opts.cleanerBackoffMs ?? 15_000, () => this.runCleaner());
    this.every(this.opts.flushCheckIntervalMs ?? 1_000, () => this.runFlushes());
    this.every(this.opts.checkpointIntervalMs ?? 60_000, () => this.checkpoint());
    this.every(this.opts.highWatermarkCheckpointIntervalMs ?? 5_000, () => this.checkpointHighWatermarks());
    this.every(this.opts.producerIdExpirationCheckIntervalMs ?? 600_000, async () => this.removeExpiredProducers());
  }

  /** Forgets, in every log, producers idle for producer.id.expiration.ms (Kafka's PeriodicProducerExpirationCheck). */
  removeExpiredProducers(): void {
    const now = this.clock.now();
    const ms = this.producerIdExpirationMs();
    for (const log of this.allLogs()) log.removeExpiredProducers(now, ms);
  }

  private producerIdExpirationMs(): number | undefined {
    const v = this.opts.producerIdExpirationMs;
    return typeof v === 'function' ? v() : v;
  }

  /** One retention pass over every log; returns the number of segments deleted. */
  async runRetention(): Promise<number> {
    let n = 0;
    for (const log of this.allLogs()) {
      try {
        n += await applyRetention(log, this.clock.now());
      } catch (e) {
        this.logger.error({ err: e, tp: log.topicPartition }, 'retention failed');
      }
    }
    return n;
  }

  /** One compaction pass over every compacted log; returns the number of logs cleaned. */
  async runCleaner(force = false): Promise<number> {
    let n = 0;
    for (const log of this.allLogs()) {
      if (!log.config.cleanupPolicy.compact) continue;
      const k = key(log.topicPartition.topic, log.topicPartition.partition);
      try {
        const checkpoint = this.cleanerCheckpoints.get(k);
        const r = await cleanLog(log, checkpoint, { now: this.clock.now(), force });
        if (r) {
          this.cleanerCheckpoints.set(k, r.firstDirtyOffset);
          n++;
        } else if (checkpoint !== undefined) {
          // a checkpoint outside the log (truncated, corrupted) is replaced, as Kafka does
          const valid = validFirstDirtyOffset(log, checkpoint);
          if (valid.reset) this.cleanerCheckpoints.set(k, valid.offset);
        }
      } catch (e) {
        this.logger.error({ err: e, tp: log.topicPartition }, 'compaction failed');
      }
    }
    return n;
  }

  private async runFlushes(): Promise<void> {
    const now = this.clock.now();
    for (const log of this.allLogs()) {
      if (log.config.flushMs >= Number.MAX_SAFE_INTEGER) continue;
      if (now - log.lastFlushMs >= log.config.flushMs) await log.flush();
    }
  }

  private checkpointing: Promise<void> = Promise.resolve();

  /** Writes recovery points, high watermarks, log start and cleaner offsets of every dir (calls are serialized). */
  checkpoint(): Promise<void> {
    const run = this.checkpointing.catch(() => undefined).then(() => this.writeCheckpoints());
    this.checkpointing = run;
    return run;
  }

  /** Writes the high watermarks of every dir (replication-offset-checkpoint), serialized with checkpoint(). */
  checkpointHighWatermarks(): Promise<void> {
    const run = this.checkpointing.catch(() => undefined).then(async () => {
      for (const dir of this.opts.logDirs) {
        const mine = [...this.logs.values()].filter((e) => e.dir === dir).map((e) => e.log);
        await new OffsetCheckpointFile(path.join(dir, REPLICATION_CHECKPOINT)).write(mine.map((l) => ({ ...l.topicPartition, offset: l.highWatermark })));
      }
    });
    this.checkpointing = run;
    return run;
  }

  private async writeCheckpoints(): Promise<void> {
    for (const dir of this.opts.logDirs) {
      const mine = [...this.logs.values()].filter((e) => e.dir === dir).map((e) => e.log);
      const rows = (f: (l: Log) => bigint) => mine.map((l) => ({ ...l.topicPartition, offset: f(l) }));
      await new OffsetCheckpointFile(path.join(dir, RECOVERY_POINT_CHECKPOINT)).write(rows((l) => l.recoveryPoint));
      await new OffsetCheckpointFile(path.join(dir, REPLICATION_CHECKPOINT)).write(rows((l) => l.highWatermark));
      await new OffsetCheckpointFile(path.join(dir, LOG_START_CHECKPOINT)).write(rows((l) => l.logStartOffset));
      const cleaned = mine
        .map((l) => ({ ...l.topicPartition, offset: this.cleanerCheckpoints.get(key(l.topicPartition.topic, l.topicPartition.partition)) }))
        .filter((r): r is { topic: string; partition: number; offset: bigint } => r.offset !== undefined);
      await new OffsetCheckpointFile(path.join(dir, CLEANER_CHECKPOINT)).write(cleaned);
    }
  }

  /** Stops background work, flushes and closes every log, checkpoints, writes the clean-shutdown marker. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers = [];
    await Promise.all([...this.creating.values()].map((p) => p.catch(() => undefined)));
    await Promise.all([...this.running].map((p) => p.catch(() => undefined)));
    await mapLimit(this.allLogs(), 16, async (log) => {
      await log.flush();
      await log.close();
    });
    await this.checkpoint();
    for (const dir of this.opts.logDirs) {
      await fs.promises.writeFile(path.join(dir, CLEAN_SHUTDOWN_MARKER), '');
      await fsyncDir(dir);
    }
  }
}
