/** Helpers used by the generated codecs (protocol/generated). */
import { ErrorCode, KafkaError } from '../errors';

/** Writing a non-default value of a field that the version does not have. */
export function unsupportedField(where: string, version: number): KafkaError {
  return new KafkaError(
    ErrorCode.UNSUPPORTED_VERSION,
    `${where} has a non-default value but is not supported at version ${version}`,
  );
}

/** Writing null into a field that is not nullable at this version. */
export function nullField(where: string, version: number): KafkaError {
  return new KafkaError(ErrorCode.INVALID_REQUEST, `${where} is null but is not nullable at version ${version}`);
}

/**
 * Structural equality of decoded values: primitives (incl. bigint) by value, Buffers by bytes,
 * arrays element-wise, plain objects key-wise (a missing key equals undefined).
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of Object.keys(ao)) if (!deepEqual(ao[k], bo[k])) return false;
  for (const k of Object.keys(bo)) if (!(k in ao) && bo[k] !== undefined) return false;
  return true;
}
