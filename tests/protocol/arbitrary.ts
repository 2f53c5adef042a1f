/**
 * Test helper: fast-check arbitraries of random, valid instances of any generated message at
 * a given version, derived from the spec model. Fields absent at the version hold their
 * defaults; null appears only where the version allows it; flexible versions may carry
 * unknown tagged fields (tags >= 1000, ascending) that must survive a round trip.
 */
import fc from 'fast-check';
import type { FieldModel, MessageModel, PrimType, StructModel } from '../../protocol/gen/model';
import { contains, isEmpty } from '../../protocol/gen/versions';

type Obj = Record<string, unknown>;

const INT_RANGES: Partial<Record<PrimType, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
};

const str = fc.string({ unit: 'grapheme', maxLength: 12 });
const buf = fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a));
const uuid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a).toString('base64url'));

function primArb(p: PrimType): fc.Arbitrary<unknown> {
  const r = INT_RANGES[p];
  if (r) return fc.integer({ min: r[0], max: r[1] });
  switch (p) {
    case 'bool':
      return fc.boolean();
    case 'int64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'float64':
      return fc.double({ noNaN: true });
    case 'string':
      return str;
    case 'uuid':
      return uuid;
    default:
      return buf;
  }
}

export class InstanceArbitraries {
  constructor(
    private readonly model: MessageModel,
    private readonly module: Record<string, unknown>,
    private readonly version: number,
    /** Add random unknown tagged fields in flexible versions. */
    private readonly unknownTags = true,
  ) {}

  private defaultOf(f: FieldModel, s: StructModel): unknown {
    const make = this.module[`default${s.name}`] as () => Obj;
    return make()[f.prop];
  }

  private fieldArb(f: FieldModel, owner: StructModel): fc.Arbitrary<unknown> {
    const v = this.version;
    if (!contains(f.versions, v)) return fc.constant(null).map(() => this.defaultOf(f, owner));
    let a: fc.Arbitrary<unknown>;
    if (f.kind === 'prim') a = primArb(f.prim as PrimType);
    else if (f.kind === 'struct') a = this.structArb(f.struct as StructModel);
    else {
      const elem = f.struct !== null ? this.structArb(f.struct) : primArb(f.prim as PrimType);
      a = fc.array(elem, { maxLength: f.struct !== null ? 2 : 4 });
    }
    if (contains(f.nullable, v)) a = fc.oneof(a, fc.constant(null));
    return a;
  }

  structArb(s: StructModel): fc.Arbitrary<Obj> {
    const rec: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of s.fields) rec[f.prop] = this.fieldArb(f, s);
    let a: fc.Arbitrary<Obj> = fc.record(rec) as fc.Arbitrary<Obj>;
    if (this.unknownTags && contains(this.model.flexible, this.version)) {
      const tags = fc
        .uniqueArray(fc.integer({ min: 1000, max: 1100 }), { maxLength: 2 })
        .chain((ts) =>
          fc.tuple(...ts.sort((x, y) => x - y).map((t) => buf.map((data) => ({ tag: t, data })))),
        );
      a = fc.tuple(a, tags).map(([o, t]) => (t.length > 0 ? { ...o, unknownTaggedFields: t } : o));
    }
    return a;
  }

  messageArb(): fc.Arbitrary<Obj> {
    return this.structArb(this.model.root);
  }
}

export function hasFlexible(m: MessageModel): boolean {
  return !isEmpty(m.flexible);
}
