/**
 * How a request handler is declared. One file per API key (`NN-api-name.ts`), each exporting
 * `defineHandler({...})`; `handlers/index.ts` lists them all and is the only list (dispatch and
 * the ApiVersions response are both derived from it).
 *
 * Contract (kept stable; the group coordinator's handlers 08-16, 42, 47 rely on it):
 *
 *   export const offsetCommitHandler = defineHandler<OffsetCommitRequest, OffsetCommitResponse>({
 *     apiKey: ApiKey.OffsetCommit, minVersion: 0, maxVersion: 9,
 *     read: readOffsetCommitRequest, write: writeOffsetCommitResponse, size: sizeOffsetCommitResponse,
 *     async handle(ctx, req) {
 *       const gc = ctx.services.groupCoordinator;   // undefined until the broker wires one
 *       ...; return response;                         // or NO_RESPONSE to send nothing,
 *                                                     // or new CloseConnection(reason)
 *     },
 *     errorResponse(req, code, ctx) { ... every entry carries `code` ... },
 *   });
 *
 * - `handle` runs with `ctx` (request header fields, a child logger, the broker's services).
 *   The dispatcher calls it synchronously in arrival order on a connection; anything that must
 *   keep request order (e.g. appends) must be started before the handler's first `await`.
 * - Throwing a KafkaError (or any error) yields `errorResponse(req, code)`; an unexpected error is
 *   logged once at error level and answered with UNKNOWN_SERVER_ERROR.
 * - A request at a version inside Kafka's valid range but outside [minVersion, maxVersion] gets
 *   `errorResponse(req, UNSUPPORTED_VERSION)`.
 * - `ctx.services` is the same object for every request: config, clock, logger, metadata store,
 *   metadata cache, replica manager, topic admin, fetch sessions, purgatories, and the
 *   `groupCoordinator` slot (set once at startup by the broker: broker/groups/group-wiring.ts builds the
 *   GroupCoordinator on __consumer_offsets via broker/groups/coordinator-log-adapter.ts).
 */
import type { ErrorCode } from '../../protocol/errors';
import type { Reader } from '../../protocol/primitives/reader';
import type { ExternalSize, Writer } from '../../protocol/primitives/writer';
import type { Clock } from '../../storage/clock';
import type { ClusterMetadataStore } from '../../coordinator/metadata-store';
import type { BrokerConfig } from '../config/config';
import type { Logger } from '../logger';
import type { MetadataCache } from '../metadata/metadata-cache';
import type { ReplicaManager } from '../replica/replica-manager';
import type { TopicAdmin } from '../metadata/topic-admin';
import type { FetchSessionCache } from '../replica/fetch-session';
import type { ConfigAdmin } from '../config/config-admin';
import type { DynamicBrokerConfig } from '../config/dynamic-broker-config';
import type { ReplicaLeadership } from '../replica/leadership';
import type { Controller } from '../../coordinator/controller/controller';
import type { TransactionCoordinator } from '../../coordinator/txn/transaction-coordinator';

/** Returned by `handle` when no response frame must be written (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('NO_RESPONSE');
export type NoResponse = typeof NO_RESPONSE;

/**
 * Returned by `handle` to close the connection instead of answering, the only way to tell a
 * client that expects no response that its request failed (Produce with acks=0, as Kafka's
 * KafkaApis does). The connection logs `reason` with the peer.
 */
export class CloseConnection {
  constructor(readonly reason: string) {}
}

/**
 * The group coordinator as seen by the broker. The group helper's coordinator object is stored
 * here as-is; its handlers cast `ctx.services.groupCoordinator` to their own type. The broker
 * only calls the optional lifecycle methods below.
 */
export interface GroupCoordinatorSlot {
  /** Called once after the broker started (load __consumer_offsets partitions). */
  startup?(): Promise<void> | void;
  /** Called at shutdown before the logs are closed. */
  shutdown?(): Promise<void> | void;
  /** Broker became leader of an __consumer_offsets partition. */
  onElection?(partition: number, leaderEpoch: number): Promise<void> | void;
  onResignation?(partition: number): Promise<void> | void;
  /**
   * A COMMIT or ABORT marker of `producerId` was written to these __consumer_offsets partitions
   * (WriteTxnMarkers): its transactional offset commits become visible, or are dropped.
   */
  onTransactionCompleted?(producerId: bigint, partitions: readonly number[], isCommit: boolean): Promise<void> | void;
}

export interface BrokerServices {
  readonly brokerId: number;
  /** The static (startup) config; the current effective one is `dynamicConfig.current()`. */
  readonly config: BrokerConfig;
  readonly dynamicConfig: DynamicBrokerConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metadata: ClusterMetadataStore;
  readonly metadataCache: MetadataCache;
  readonly replicaManager: ReplicaManager;
  /** Applies the controller's LeaderAndIsr / StopReplica. */
  readonly leadership: ReplicaLeadership;
  /** This broker's controller component (active only while elected). */
  readonly controller: Controller;
  readonly topicAdmin: TopicAdmin;
  readonly configAdmin: ConfigAdmin;
  readonly fetchSessions: FetchSessionCache;
  /** [apiKey, minVersion, maxVersion] of every registered handler (ApiVersions). */
  readonly apiVersions: readonly (readonly [number, number, number])[];
  /** Set by the broker at startup when a group coordinator is wired; undefined otherwise. */
  groupCoordinator: GroupCoordinatorSlot | undefined;
  /** Set by the broker at startup (broker/txn/): the transaction coordinator on __transaction_state. */
  txnCoordinator: TransactionCoordinator | undefined;
}

export interface RequestContext {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly connectionId: number;
  /** "ip:port" of the client. */
  readonly peer: string;
  readonly listener: string;
  /** Child logger with {api, v, corr, client} bindings. */
  readonly log: Logger;
  /** Clock time when the request was decoded (ms). */
  readonly receivedAtMs: number;
}

export interface HandlerContext extends RequestContext {
  readonly services: BrokerServices;
}

export interface HandlerDef<Req, Resp> {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly read: (r: Reader, version: number) => Req;
  readonly write: (w: Writer, m: Resp, version: number) => void;
  readonly size: (m: Resp, version: number, ext?: ExternalSize) => number;
  handle(ctx: HandlerContext, req: Req): Resp | NoResponse | CloseConnection | Promise<Resp | NoResponse | CloseConnection>;
  /** The response to `req` with every error field set to `code`. */
  errorResponse(req: Req, code: ErrorCode, ctx: HandlerContext): Resp;
}

/** A registered handler (type-erased for the registry). */
export type Handler = HandlerDef<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function defineHandler<Req, Resp>(def: HandlerDef<Req, Resp>): HandlerDef<Req, Resp> {
  if (def.minVersion > def.maxVersion) throw new Error(`handler for api key ${def.apiKey}: minVersion > maxVersion`);
  return Object.freeze(def);
}
