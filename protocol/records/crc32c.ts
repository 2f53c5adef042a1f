/**
 * CRC-32C (Castagnoli), the checksum of magic-2 record batches.
 *
 * Backed by the native SIMD implementation in `@node-rs/crc32` (SSE4.2 / ARMv8 CRC
 * instructions). Legacy magic 0/1 messages use CRC-32 IEEE instead (see legacy-message-set.ts).
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/**
 * CRC-32C of `buf`, as an unsigned 32-bit number.
 * `initial` continues a previous result: crc32c(b, crc32c(a)) === crc32c(a ++ b).
 */
export function crc32c(buf: Uint8Array, initial = 0): number {
  return nativeCrc32c(buf, initial) >>> 0;
}
