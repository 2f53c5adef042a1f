/** Errors raised by the codecs in compression.ts. */
import { ErrorCode, KafkaError, ProtocolDecodeError } from '../errors';

/**
 * The decompressed data would exceed the caller's limit (decompression-bomb guard).
 * Non-retriable MESSAGE_TOO_LARGE, so a producer does not retry it forever.
 */
export class DecompressionLimitError extends KafkaError {
  constructor(readonly limit: number) {
    super(ErrorCode.MESSAGE_TOO_LARGE, `decompressed records exceed the limit of ${limit} bytes`);
    this.name = 'DecompressionLimitError';
  }
}

/** Corrupt compressed data: CORRUPT_MESSAGE. */
export function corrupt(message: string): ProtocolDecodeError {
  return new ProtocolDecodeError(message, -1, ErrorCode.CORRUPT_MESSAGE);
}
