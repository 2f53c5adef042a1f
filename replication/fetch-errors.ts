/**
 * How a replica fetcher reacts to a partition's trouble: it backs the partition off for
 * replica.fetch.backoff.ms and logs each distinct trouble once, at a level that says how
 * expected it is; repeats go to debug until the partition recovers (clearTrouble).
 * - leadership moving (FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER):
 *   info, the controller will send new state;
 * - transient on the leader (UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID,
 *   INCONSISTENT_TOPIC_ID, KAFKA_STORAGE_ERROR): warn;
 * - any other code, and local append/truncation failures: error.
 */
import { ErrorCode, errorCodeOf } from '../protocol/errors';
import type { PartitionFetchState } from './fetch-state';
import type { ReplicationLogger } from './types';

const LEADERSHIP_ERRORS = new Set<number>([ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.UNKNOWN_LEADER_EPOCH, ErrorCode.NOT_LEADER_OR_FOLLOWER]);
const TRANSIENT_ERRORS = new Set<number>([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_ID, ErrorCode.INCONSISTENT_TOPIC_ID, ErrorCode.KAFKA_STORAGE_ERROR]);

/** The leader answered `code` for the partition (in a response to `api`). */
export function onPartitionError(log: ReplicationLogger, s: PartitionFetchState, now: number, backoffMs: number, code: number, api: string): void {
  s.delay(now, backoffMs);
  const at = { topic: s.replica.topic, partition: s.replica.partition, leaderEpoch: s.currentLeaderEpoch, api, error: ErrorCode[code] ?? `error ${code}` };
  if (!s.noteTrouble(`code:${code}`)) log.debug(at, 'partition error from the leader again');
  else if (LEADERSHIP_ERRORS.has(code)) log.info(at, 'leader refused the partition; waiting for new leadership state');
  else if (TRANSIENT_ERRORS.has(code)) log.warn(at, 'leader reported an error for the partition; retrying');
  else log.error(at, 'unexpected partition error from the leader; retrying');
}

/** A local log operation (`what`: append, truncation, ...) of the partition failed. */
export function onOperationFailed(log: ReplicationLogger, s: PartitionFetchState, now: number, backoffMs: number, what: string, e: unknown): void {
  s.delay(now, backoffMs);
  const at = { topic: s.replica.topic, partition: s.replica.partition, err: e };
  if (s.noteTrouble(`${what}:${errorCodeOf(e)}:${(e as Error)?.message}`)) log.error(at, `follower ${what} failed`);
  else log.debug(at, `follower ${what} failed again`);
}
