/** FrameDecoder: 4-byte length-prefixed frames over arbitrary chunking, size limits. */
import fc from 'fast-check';
import { FrameDecoder, FrameSizeError } from '../../protocol/frame';

function framed(payloads: Buffer[]): Buffer {
  return Buffer.concat(
    payloads.flatMap((p) => {
      const h = Buffer.alloc(4);
      h.writeInt32BE(p.length);
      return [h, p];
    }),
  );
}

describe('Protocol > frame decoder', () => {
  it('returns whole frames however the stream is split (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 50 }).map((a) => Buffer.from(a)), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 20 }),
        (payloads, cuts) => {
          const stream = framed(payloads);
          const d = new FrameDecoder(100);
          const out: Buffer[] = [];
          let pos = 0;
          let i = 0;
          while (pos < stream.length) {
            const n = cuts[i++ % cuts.length] as number;
            out.push(...d.push(stream.subarray(pos, pos + n)));
            pos += n;
          }
          expect(out).toEqual(payloads);
          expect(d.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('returns a frame inside one chunk as a subarray (no copy)', () => {
    const stream = framed([Buffer.from('hello')]);
    const [f] = new FrameDecoder(100).push(stream);
    stream[4] = 0x48;
    expect(f?.toString()).toBe('Hello');
  });

  it('keeps a partial frame until the rest arrives', () => {
    const d = new FrameDecoder(100);
    const stream = framed([Buffer.from('abcdef')]);
    expect(d.push(stream.subarray(0, 2))).toEqual([]);
    expect(d.push(stream.subarray(2, 7))).toEqual([]);
    expect(d.bufferedBytes).toBe(3);
    expect(d.push(stream.subarray(7))).toEqual([Buffer.from('abcdef')]);
  });

  it('refuses an oversized frame as soon as its size is read, before buffering it', () => {
    const d = new FrameDecoder(1024);
    const head = Buffer.alloc(4);
    head.writeInt32BE(1025);
    let err: unknown;
    try {
      d.push(head);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FrameSizeError);
    expect((err as FrameSizeError).size).toBe(1025);
    expect(d.bufferedBytes).toBe(0);
    // the decoder stays failed
    expect(() => d.push(Buffer.alloc(1))).toThrow(FrameSizeError);
    expect(new FrameDecoder(1024).push(framed([Buffer.alloc(1024)]))[0]?.length).toBe(1024);
  });

  it('refuses a negative frame size', () => {
    expect(() => new FrameDecoder(1024).push(Buffer.from([0xff, 0xff, 0xff, 0xfe]))).toThrow(/negative/);
  });

  it('accepts an empty frame', () => {
    expect(new FrameDecoder(10).push(Buffer.alloc(4))).toEqual([Buffer.alloc(0)]);
  });
});
