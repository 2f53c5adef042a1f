/**
 * Round trip of every message (all 88 APIs' requests and responses, headers, data types and
 * internal-topic records) at every valid version, with random instances (property tests):
 * size() equals the encoded length, read(write(x)) equals x, and re-encoding is byte-identical.
 */
import fc from 'fast-check';
import { Reader } from '../../protocol/primitives/reader';
import { Writer } from '../../protocol/primitives/writer';
import { allMessages, versionsOf } from './spec-models';
import { InstanceArbitraries } from './arbitrary';

const RUNS = Number(process.env.GREGOR_ROUNDTRIP_RUNS ?? 12);

function encode(codec: ReturnType<typeof allMessages>[number]['codec'], m: unknown, version: number, external: boolean): Buffer {
  const ext = { bytes: 0 };
  const size = codec.size(m, version, external ? ext : undefined);
  const w = new Writer(size - ext.bytes, external);
  codec.write(w, m, version);
  const out = w.finishConcat();
  expect(out.length).toBe(size);
  return out;
}

describe('Protocol > generated codecs > round trip', () => {
  const messages = allMessages();

  it('covers every spec file', () => {
    expect(messages.length).toBe(186 + 6);
    expect(messages.filter((m) => m.model.spec.type === 'request').length).toBe(88);
    expect(messages.filter((m) => m.model.spec.type === 'response').length).toBe(88);
  });

  for (const { model, codec, module } of messages) {
    it(`${model.name} v${model.valid.min}-${model.valid.max}`, () => {
      for (const version of versionsOf(model)) {
        const arb = new InstanceArbitraries(model, module, version).messageArb();
        fc.assert(
          fc.property(arb, (m) => {
            const bytes = encode(codec, m, version, version % 2 === 0);
            const r = new Reader(bytes);
            const back = codec.read(r, version);
            expect(r.remaining).toBe(0);
            expect(back).toEqual(m);
            expect(encode(codec, back, version, false).equals(bytes)).toBe(true);
          }),
          { numRuns: RUNS },
        );
      }
    });
  }

  it('the default instance of every message encodes and decodes at every version', () => {
    for (const { model, codec } of messages) {
      for (const version of versionsOf(model)) {
        const m = codec.create();
        const bytes = encode(codec, m, version, false);
        expect(codec.read(new Reader(bytes), version)).toEqual(m);
      }
    }
  });
});
