import fc from 'fast-check';
import { crc32c } from '../../../protocol/records/crc32c';

/** Bitwise reference CRC-32C (reflected polynomial 0x82F63B78), independent of the native one. */
function referenceCrc32c(buf: Uint8Array, initial = 0): number {
  let crc = ~initial >>> 0;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

describe('Protocol > Records > CRC-32C', () => {
  test('known vectors', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    // RFC 3720 (iSCSI) B.4 vectors
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    const inc = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    expect(crc32c(inc)).toBe(0x46dd794e);
    const dec = Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i));
    expect(crc32c(dec)).toBe(0x113fdb5c);
  });

  test('result is unsigned 32-bit', () => {
    const v = crc32c(Buffer.from('123456789')); // 0xE3069283 has the top bit set
    expect(v).toBeGreaterThan(0x7fffffff);
    expect(Number.isInteger(v)).toBe(true);
  });

  test('matches the reference implementation on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(crc32c(bytes)).toBe(referenceCrc32c(bytes));
      }),
      { numRuns: 500 },
    );
  });

  test('initial state continues a previous result', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (a, b) => {
        const whole = Buffer.concat([a, b]);
        expect(crc32c(b, crc32c(a))).toBe(crc32c(whole));
        expect(crc32c(b, crc32c(a))).toBe(referenceCrc32c(b, referenceCrc32c(a)));
      }),
      { numRuns: 300 },
    );
  });

  test('works on subarrays with a non-zero byteOffset', () => {
    const big = Buffer.from('xx123456789yy');
    expect(crc32c(big.subarray(2, 11))).toBe(0xe3069283);
  });
});
