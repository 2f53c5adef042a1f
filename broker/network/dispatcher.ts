/**
 * Dispatcher: one request frame -> header decode -> registry lookup -> version check ->
 * body decode -> handler -> response frame chunks (ARCHITECTURE §2).
 *
 * Rules:
 * - Unknown API key, an API without a handler, a version outside Kafka's valid range, a
 *   malformed header or body, or bytes left after the body: close the connection (the
 *   connection logs one warning naming the peer and this reason).
 * - ApiVersions above the supported max: answer v0 with UNSUPPORTED_VERSION and ApiVersions' own range.
 * - Other APIs at a version Kafka defines but the handler does not serve: decode, then answer
 *   `errorResponse(req, UNSUPPORTED_VERSION)` at the requested version.
 * - Handlers are invoked synchronously from handleFrame (request order per connection).
 * - A handler may answer NO_RESPONSE (nothing is written) or a CloseConnection (the connection
 *   is closed with its reason, e.g. a failed Produce with acks=0).
 * - A handler error becomes errorResponse(req, code); unexpected errors log once at error level.
 * - Response header: v1 (tagged fields) for flexible versions, v0 otherwise; ApiVersions always v0.
 */
import { ErrorCode, errorCodeOf, KafkaError } from '../../protocol/errors';
import { ApiKey, apiInfo, isFlexibleVersion, type ApiInfo } from '../../protocol/generated/api-keys';
import { defaultApiVersionsResponse, writeApiVersionsResponse, sizeApiVersionsResponse, type ApiVersionsResponse } from '../../protocol/generated/api-versions-response';
import { readRequestHeader } from '../../protocol/generated/request-header';
import { Reader } from '../../protocol/primitives/reader';
import { Writer, type ExternalSize } from '../../protocol/primitives/writer';
import type { Clock } from '../../storage/clock';
import type { ConnectionInfo, DispatchResult, FrameHandler } from './connection';
import { CloseConnection, NO_RESPONSE, type BrokerServices, type Handler, type HandlerContext } from '../handlers/define-handler';

const NONE: DispatchResult = Object.freeze({ kind: 'none' });

export class Dispatcher implements FrameHandler {
  private readonly byKey = new Map<number, Handler>();

  constructor(
    handlers: readonly Handler[],
    private readonly services: BrokerServices,
    private readonly clock: Clock,
  ) {
    for (const h of handlers) {
      if (this.byKey.has(h.apiKey)) throw new Error(`two handlers for api key ${h.apiKey}`);
      this.byKey.set(h.apiKey, h);
    }
  }

  handleFrame(frame: Buffer, conn: ConnectionInfo): DispatchResult | Promise<DispatchResult> {
    if (frame.length < 8) return close(`request of ${frame.length} bytes is shorter than a request header`);
    const apiKey = frame.readInt16BE(0);
    const version = frame.readInt16BE(2);
    const info = apiInfo(apiKey);
    if (!info) return close(`unknown API key ${apiKey}`);
    const handler = this.byKey.get(apiKey);
    if (!handler) return close(`API ${info.name} (key ${apiKey}) is not supported by this broker`);
    if (apiKey === ApiKey.ApiVersions && version > handler.maxVersion) {
      return { kind: 'response', chunks: this.apiVersionsFallback(frame.readInt32BE(4)) };
    }
    if (version < info.validVersions.min || version > info.validVersions.max) {
      return close(`${info.name} version ${version} is outside the versions Kafka defines (${info.validVersions.min}-${info.validVersions.max})`);
    }
    const flexible = isFlexibleVersion(info, version);
    const r = new Reader(frame);
    let req: unknown;
    let correlationId: number;
    let clientId: string | null;
    try {
      const header = readRequestHeader(r, flexible ? 2 : 1);
      correlationId = header.correlationId;
      clientId = header.clientId;
      req = handler.read(r, version);
    } catch (e) {
      return close(`malformed ${info.name} v${version} request: ${(e as Error).message}`);
    }
    if (r.remaining > 0) return close(`${r.remaining} unexpected bytes after a ${info.name} v${version} request`);

    const ctx: HandlerContext = {
      apiKey,
      apiVersion: version,
      correlationId,
      clientId,
      connectionId: conn.id,
      peer: conn.peer,
      listener: conn.listener,
      log: conn.log,
      receivedAtMs: this.clock.now(),
      services: this.services,
    };
    if (conn.log.isLevelEnabled('debug')) conn.log.debug({ api: info.name, v: version, corr: correlationId, client: clientId }, 'request');
    const respFlexible = flexible && apiKey !== ApiKey.ApiVersions;

    if (version < handler.minVersion || version > handler.maxVersion) {
      return this.respondError(handler, info, req, ErrorCode.UNSUPPORTED_VERSION, ctx, respFlexible);
    }
    let out: unknown;
    try {
      out = handler.handle(ctx, req);
    } catch (e) {
      return this.failed(handler, info, req, e, ctx, respFlexible);
    }
    if (out instanceof Promise) {
      return out.then(
        (resp: unknown) => this.encodeResult(handler, info, req, resp, ctx, respFlexible),
        (e: unknown) => this.failed(handler, info, req, e, ctx, respFlexible),
      );
    }
    return this.encodeResult(handler, info, req, out, ctx, respFlexible);
  }

  private encodeResult(handler: Handler, info: ApiInfo, req: unknown, resp: unknown, ctx: HandlerContext, flexible: boolean): DispatchResult {
    if (resp === NO_RESPONSE) return NONE;
    if (resp instanceof CloseConnection) return close(resp.reason);
    try {
      return { kind: 'response', chunks: encodeResponse(handler, resp, ctx.apiVersion, ctx.correlationId, flexible) };
    } catch (e) {
      ctx.log.error({ err: e, api: info.name, v: ctx.apiVersion }, `could not encode ${info.name} v${ctx.apiVersion} response`);
      return this.respondError(handler, info, req, ErrorCode.UNKNOWN_SERVER_ERROR, ctx, flexible);
    }
  }

  private failed(handler: Handler, info: ApiInfo, req: unknown, e: unknown, ctx: HandlerContext, flexible: boolean): DispatchResult {
    const code = errorCodeOf(e);
    if (!(e instanceof KafkaError)) ctx.log.error({ err: e, api: info.name, v: ctx.apiVersion }, `${info.name} handler failed`);
    return this.respondError(handler, info, req, code, ctx, flexible);
  }

  private respondError(handler: Handler, info: ApiInfo, req: unknown, code: ErrorCode, ctx: HandlerContext, flexible: boolean): DispatchResult {
    try {
      const resp = handler.errorResponse(req, code, ctx);
      return { kind: 'response', chunks: encodeResponse(handler, resp, ctx.apiVersion, ctx.correlationId, flexible) };
    } catch (e) {
      return close(`cannot answer ${info.name} v${ctx.apiVersion} with error ${code}: ${(e as Error).message}`);
    }
  }

  /**
   * Handles a request this broker sends to itself (the controller's requests to its own broker,
   * a broker's requests to its own controller): the same handler as over the network, with the
   * decoded body instead of bytes. Errors become the handler's errorResponse, as on the wire.
   */
  async handleLocal(apiKey: number, version: number, req: unknown, ctx: Omit<HandlerContext, 'apiKey' | 'apiVersion' | 'services' | 'receivedAtMs'>): Promise<unknown> {
    const handler = this.byKey.get(apiKey);
    if (!handler) throw new Error(`no handler for api key ${apiKey}`);
    const full: HandlerContext = { ...ctx, apiKey, apiVersion: version, services: this.services, receivedAtMs: this.clock.now() };
    try {
      return await handler.handle(full, req);
    } catch (e) {
      if (!(e instanceof KafkaError)) full.log.error({ err: e, api: ApiKey[apiKey], v: version }, `${ApiKey[apiKey]} handler failed (in-process request)`);
      return handler.errorResponse(req, errorCodeOf(e), full);
    }
  }

  /**
   * KIP-511: ApiVersions above the served versions is answered at v0 with UNSUPPORTED_VERSION and,
   * as the only key, ApiVersions' own range (Kafka's ApiVersionsRequest.getErrorResponse): the
   * client retries at the highest version listed and then learns every other key.
   */
  private apiVersionsFallback(correlationId: number): Buffer[] {
    const own = this.byKey.get(ApiKey.ApiVersions)!;
    const resp: ApiVersionsResponse = {
      ...defaultApiVersionsResponse(),
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: own.minVersion, maxVersion: own.maxVersion }],
    };
    return encodeWith((w) => writeApiVersionsResponse(w, resp, 0), (ext) => sizeApiVersionsResponse(resp, 0, ext), correlationId, false);
  }
}

function close(reason: string): DispatchResult {
  return { kind: 'close', reason };
}

/** Encodes size prefix + response header (v0, or v1 when flexible) + body, record data uncopied. */
export function encodeResponse(handler: Handler, resp: unknown, version: number, correlationId: number, flexible: boolean): Buffer[] {
  return encodeWith((w) => handler.write(w, resp, version), (ext) => handler.size(resp, version, ext), correlationId, flexible);
}

function encodeWith(write: (w: Writer) => void, size: (ext: ExternalSize) => number, correlationId: number, flexible: boolean): Buffer[] {
  const ext: ExternalSize = { bytes: 0 };
  const body = size(ext);
  const headerSize = flexible ? 5 : 4;
  const w = new Writer(4 + headerSize + body - ext.bytes, true);
  w.writeInt32(headerSize + body);
  w.writeInt32(correlationId);
  if (flexible) w.writeUInt8(0);
  write(w);
  return w.finish();
}
