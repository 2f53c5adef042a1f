/**
 * Fuzzing every request decoder at every version (plus the request header): random bytes and
 * mutated valid encodings must give a value or a ProtocolDecodeError, nothing else.
 * At least 100,000 cases per run (counted and asserted); a hang fails through the jest timeout.
 */
import fc from 'fast-check';
import { Reader } from '../../protocol/primitives/reader';
import { Writer } from '../../protocol/primitives/writer';
import { ProtocolDecodeError } from '../../protocol/errors';
import { decodeRequestHeader } from '../../protocol/header';
import { allMessages, versionsOf, LoadedMessage } from './spec-models';
import { InstanceArbitraries } from './arbitrary';

const CASES_PER_VERSION = Number(process.env.GREGOR_FUZZ_CASES ?? 400);

type Mutation = { kind: number; at: number; value: number; len: number };

const mutationArb: fc.Arbitrary<Mutation[]> = fc.array(
  fc.record({
    kind: fc.integer({ min: 0, max: 5 }),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 0xffffffff }),
    len: fc.integer({ min: 1, max: 8 }),
  }),
  { minLength: 1, maxLength: 4 },
);

/** Applies byte flips, truncation, insertion, deletion and "interesting" length overwrites. */
function mutate(input: Buffer, muts: Mutation[]): Buffer {
  let b = Buffer.from(input);
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    switch (m.kind) {
      case 0: // flip one byte
        if (b.length > 0) b[at] = (b[at] as number) ^ (m.value & 0xff || 1);
        break;
      case 1: // truncate
        b = b.subarray(0, at);
        break;
      case 2: // insert random bytes
        b = Buffer.concat([b.subarray(0, at), Buffer.alloc(m.len, m.value & 0xff), b.subarray(at)]);
        break;
      case 3: // delete bytes
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
        break;
      case 4: // overwrite 4 bytes with a large or negative int32 (lengths and counts)
        if (b.length >= at + 4) b.writeUInt32BE([0x7fffffff, 0xffffffff, 0xfffffffe, 0x80000000, m.value][m.len % 5] as number, at);
        break;
      default: // overwrite one byte with a varint continuation byte
        if (b.length > 0) b[at] = 0x80 | (m.value & 0x7f);
    }
  }
  return b;
}

let cases = 0;

function decodeTotal(msg: LoadedMessage, version: number, bytes: Buffer): void {
  cases++;
  try {
    msg.codec.read(new Reader(bytes), version);
  } catch (e) {
    if (!(e instanceof ProtocolDecodeError)) throw e;
  }
}

function encodeValid(msg: LoadedMessage, m: unknown, version: number): Buffer {
  const w = new Writer(msg.codec.size(m, version));
  msg.codec.write(w, m, version);
  return w.finishConcat();
}

describe('Protocol > fuzz > request decoders', () => {
  const requests = allMessages().filter((m) => m.model.spec.type === 'request' || m.model.name === 'RequestHeader');

  for (const msg of requests) {
    it(`${msg.model.name}: random and mutated bytes give a value or ProtocolDecodeError`, () => {
      for (const version of versionsOf(msg.model)) {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 64 }), (a) => decodeTotal(msg, version, Buffer.from(a))),
          { numRuns: CASES_PER_VERSION / 2 },
        );
        const valid = new InstanceArbitraries(msg.model, msg.module, version).messageArb().map((m) => encodeValid(msg, m, version));
        fc.assert(
          fc.property(valid, mutationArb, (bytes, muts) => decodeTotal(msg, version, mutate(bytes, muts))),
          { numRuns: CASES_PER_VERSION / 2 },
        );
      }
    });
  }

  it('decodeRequestHeader on random bytes gives a header or ProtocolDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (a) => {
        cases++;
        try {
          decodeRequestHeader(Buffer.from(a));
        } catch (e) {
          if (!(e instanceof ProtocolDecodeError)) throw e;
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('a huge array count with few bytes is refused without allocating', () => {
    // Metadata v1 body: topics count 2^31-1, no elements
    const msg = requests.find((m) => m.model.name === 'MetadataRequest') as LoadedMessage;
    expect(() => msg.codec.read(new Reader(Buffer.from('7fffffff', 'hex')), 1)).toThrow(ProtocolDecodeError);
  });

  // runs last (jest runs the tests of a file in order)
  it('ran at least 100,000 fuzz cases', () => {
    if (CASES_PER_VERSION >= 400) expect(cases).toBeGreaterThanOrEqual(100_000);
  });
});
