/**
 * Request/response headers and whole-frame helpers.
 * - Request header v0: apiKey, apiVersion, correlationId (ControlledShutdown v0 only);
 *   v1 adds clientId (nullable int16 string); v2 (flexible API versions) adds a tag section,
 *   while clientId keeps its int16 length.
 * - Response header v0: correlationId; v1 (flexible API versions) adds a tag section.
 *   ApiVersions responses always use v0 (KIP-511), so a client can parse them before it
 *   knows which versions the broker supports.
 * Flexibility is judged from the spec's open flexibleVersions range, so a version above the
 * highest known one is parsed like Kafka parses it.
 */
import { ErrorCode, KafkaError, ProtocolDecodeError } from './errors';
import { Reader } from './primitives/reader';
import { Writer, ExternalSize } from './primitives/writer';
import type { TaggedField } from './primitives/tagged-fields';
import { ApiKey, apiInfo, isFlexibleVersion } from './generated/api-keys';
import { readRequestHeader, sizeRequestHeader, writeRequestHeader } from './generated/request-header';
import { readResponseHeader, sizeResponseHeader, writeResponseHeader } from './generated/response-header';

const MAX_FRAME_BODY = 0x7fffffff;

export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ControlledShutdown && apiVersion === 0) return 0;
  const info = apiInfo(apiKey);
  return info !== undefined && isFlexibleVersion(info, apiVersion) ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  const info = apiInfo(apiKey);
  return info !== undefined && isFlexibleVersion(info, apiVersion) ? 1 : 0;
}

export interface DecodedRequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** null when the client sent a null client id, or for header v0. */
  clientId: string | null;
  headerVersion: number;
  unknownTaggedFields?: TaggedField[];
  /** Bytes of the header, from the start of the frame payload. */
  headerSize: number;
  /** A reader over the request body (the bytes after the header). */
  body: Reader;
}

/**
 * Decodes the request header at the start of a frame payload (the bytes after the 4-byte size).
 * Unknown API keys are parsed with header v1 (the caller decides what to do with them).
 * Throws ProtocolDecodeError when the header is truncated or malformed.
 */
export function decodeRequestHeader(frame: Buffer, offset = 0, end = frame.length): DecodedRequestHeader {
  const r = new Reader(frame, offset, end);
  if (r.remaining < 4) throw new ProtocolDecodeError('request header truncated', offset);
  const apiKey = frame.readInt16BE(offset);
  const apiVersion = frame.readInt16BE(offset + 2);
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  const h = readRequestHeader(r, headerVersion);
  return {
    apiKey,
    apiVersion,
    correlationId: h.correlationId,
    clientId: headerVersion === 0 ? null : h.clientId,
    headerVersion,
    unknownTaggedFields: h.unknownTaggedFields,
    headerSize: r.pos - offset,
    body: r,
  };
}

/** Decodes the body of a request whose header was decoded; ProtocolDecodeError if malformed. */
export function decodeRequestBody(header: DecodedRequestHeader): unknown {
  const info = apiInfo(header.apiKey);
  if (info === undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, `unknown api key ${header.apiKey}`);
  return info.request.read(header.body, header.apiVersion);
}

function frame(
  headerSize: number,
  writeHeader: (w: Writer) => void,
  bodySize: (ext: ExternalSize) => number,
  writeBody: (w: Writer) => void,
): Buffer[] {
  const ext: ExternalSize = { bytes: 0 };
  const size = headerSize + bodySize(ext);
  if (size > MAX_FRAME_BODY) throw new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `frame of ${size} bytes`);
  const w = new Writer(4 + size - ext.bytes, true);
  w.writeInt32(size);
  writeHeader(w);
  writeBody(w);
  return w.finish();
}

/**
 * Encodes a whole response frame: int32 size, response header, body.
 * Large bytes/records values are separate chunks (not copied); write the chunks in order.
 */
export function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: unknown): Buffer[] {
  const info = apiInfo(apiKey);
  if (info === undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, `unknown api key ${apiKey}`);
  const hv = responseHeaderVersion(apiKey, apiVersion);
  const header = { correlationId };
  return frame(
    sizeResponseHeader(header, hv),
    (w) => writeResponseHeader(w, header, hv),
    (ext) => info.response.size(body, apiVersion, ext),
    (w) => info.response.write(w, body, apiVersion),
  );
}

/** Encodes a whole request frame: int32 size, request header, body. */
export function encodeRequest(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  body: unknown,
): Buffer[] {
  const info = apiInfo(apiKey);
  if (info === undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, `unknown api key ${apiKey}`);
  const hv = requestHeaderVersion(apiKey, apiVersion);
  const header = { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId };
  return frame(
    sizeRequestHeader(header, hv),
    (w) => writeRequestHeader(w, header, hv),
    (ext) => info.request.size(body, apiVersion, ext),
    (w) => info.request.write(w, body, apiVersion),
  );
}

export interface DecodedResponse {
  correlationId: number;
  body: unknown;
}

/** Decodes a response frame payload (after the 4-byte size) for a request sent at apiVersion. */
export function decodeResponse(apiKey: number, apiVersion: number, payload: Buffer): DecodedResponse {
  const info = apiInfo(apiKey);
  if (info === undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, `unknown api key ${apiKey}`);
  const r = new Reader(payload);
  const h = readResponseHeader(r, responseHeaderVersion(apiKey, apiVersion));
  return { correlationId: h.correlationId, body: info.response.read(r, apiVersion) };
}

/** Reads only the correlation id at the start of a response payload (to match it to a request). */
export function peekCorrelationId(payload: Buffer): number {
  if (payload.length < 4) throw new ProtocolDecodeError('response header truncated', 0);
  return payload.readInt32BE(0);
}
