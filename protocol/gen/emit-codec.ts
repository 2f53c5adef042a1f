/**
 * Emits straight-line read/size/write functions for every struct of a message.
 * Conventions of the emitted code: `r` Reader, `w` Writer, `m` the value, `version` the API
 * version, `ext` the ExternalSize accumulator; locals holding field values are `_<prop>`, and
 * other emitted locals start with `$`, so neither can clash with spec names.
 */
import type { FieldModel, MessageModel, PrimType, StructModel } from './model';
import { versionList } from './model';
import { Lines } from './lines';
import { Versions, contains, cond, covers, intersect, isEmpty } from './versions';
import { PRIM_TS, defaultExpr, isDefaultExpr, isNullableAnywhere, tsType } from './emit-types';

const FIXED: Partial<Record<PrimType, [size: number, method: string]>> = {
  bool: [1, 'Bool'],
  int8: [1, 'Int8'],
  int16: [2, 'Int16'],
  uint16: [2, 'UInt16'],
  int32: [4, 'Int32'],
  int64: [8, 'Int64'],
  float64: [8, 'Float64'],
  uuid: [16, 'Uuid'],
};

function sel(c: string, a: string, b: string): string {
  if (c === 'true') return a;
  if (c === 'false') return b;
  return a === b ? a : `(${c} ? ${a} : ${b})`;
}

function not(c: string): string {
  if (c === 'true') return 'false';
  if (c === 'false') return 'true';
  return `!(${c})`;
}

function and(a: string, b: string): string {
  if (a === 'false' || b === 'false') return 'false';
  if (a === 'true') return b;
  if (b === 'true') return a;
  return `${a} && ${b}`;
}

/** True when ctx lies within the field's tagged versions (its value is inside a tagged field). */
function inTag(f: FieldModel, ctx: Versions): boolean {
  return !isEmpty(f.tagged) && covers(f.tagged, ctx);
}

class CodecEmitter {
  constructor(
    private readonly msg: MessageModel,
    private readonly out: Lines,
  ) {}

  private get ctx(): Versions {
    return this.msg.valid;
  }

  private flexCond(): string {
    return cond(this.msg.flexible, this.ctx);
  }

  // ---- minimum encoded sizes (for array count checks) ----

  private minStructSize(s: StructModel, v: number): number {
    let n = contains(this.msg.flexible, v) ? 1 : 0;
    for (const f of s.fields) if (contains(f.regular, v)) n += this.minFieldSize(f, v);
    return n;
  }

  private minPrimSize(p: PrimType, compact: boolean): number {
    const fixed = FIXED[p];
    if (fixed) return fixed[0];
    if (p === 'string') return compact ? 1 : 2;
    return compact ? 1 : 4;
  }

  private minFieldSize(f: FieldModel, v: number): number {
    const compact = contains(f.compact, v);
    if (f.kind === 'array') return compact ? 1 : 4;
    if (f.kind === 'prim') return this.minPrimSize(f.prim as PrimType, compact);
    return contains(f.nullable, v) ? 1 : this.minStructSize(f.struct as StructModel, v);
  }

  private minElementSize(f: FieldModel): number {
    let min = Infinity;
    for (const v of versionList(f.versions)) {
      const n = f.struct !== null ? this.minStructSize(f.struct, v) : this.minPrimSize(f.prim as PrimType, contains(f.compact, v));
      min = Math.min(min, n);
    }
    return Number.isFinite(min) ? min : 1;
  }

  // ---- read ----

  private readPrim(p: PrimType, rv: string, cFlex: string, cNull: string): string {
    const fixed = FIXED[p];
    if (fixed) return `${rv}.read${fixed[1]}()`;
    const t = p === 'string' ? 'String' : 'Bytes';
    return sel(
      cFlex,
      sel(cNull, `${rv}.readCompactNullable${t}()`, `${rv}.readCompact${t}()`),
      sel(cNull, `${rv}.readNullable${t}()`, `${rv}.read${t}()`),
    );
  }

  /** Expression reading a non-array field f from reader rv; ctx = versions this runs for. */
  private readExpr(f: FieldModel, rv: string, ctx: Versions): string {
    const cFlex = cond(f.compact, ctx);
    const cNull = cond(f.nullable, ctx);
    if (f.kind === 'prim') return this.readPrim(f.prim as PrimType, rv, cFlex, cNull);
    const s = (f.struct as StructModel).name;
    // null marker: int8 (-1 null, 1 present); inside a tagged field an unsigned varint (0 null, 1 present)
    const isNull = inTag(f, ctx) ? `${rv}.readUnsignedVarint() === 0` : `${rv}.readInt8() < 0`;
    return sel(cNull, `${isNull} ? null : read${s}(${rv}, version)`, `read${s}(${rv}, version)`);
  }

  /** Statements that read field f from reader rv into `target`; ctx = versions this runs for. */
  private emitRead(f: FieldModel, rv: string, ctx: Versions, target: string): void {
    const o = this.out;
    if (f.kind !== 'array') {
      o.line(`${target} = ${this.readExpr(f, rv, ctx)};`);
      return;
    }
    const cFlex = cond(f.compact, ctx);
    const cNull = cond(f.nullable, ctx);
    const min = this.minElementSize(f);
    const count = sel(cFlex, `${rv}.readCompactArrayCount(${min}, ${cNull})`, `${rv}.readArrayCount(${min}, ${cNull})`);
    const elemType = f.struct !== null ? f.struct.name : PRIM_TS[f.prim as PrimType];
    const elem =
      f.struct !== null ? `read${f.struct.name}(${rv}, version)` : this.readPrim(f.prim as PrimType, rv, cFlex, 'false');
    o.open('{');
    o.line(`const $n = ${count};`);
    if (isNullableAnywhere(f)) {
      o.open('if ($n < 0) {');
      o.line(`${target} = null;`);
      o.mid('} else {');
    }
    o.line(`const $a: ${elemType}[] = [];`);
    o.line(`for (let $i = 0; $i < $n; $i++) $a.push(${elem});`);
    o.line(`${target} = $a;`);
    if (isNullableAnywhere(f)) o.close('}');
    o.close('}');
  }

  private emitReadFunction(s: StructModel): void {
    const o = this.out;
    const ctx = this.ctx;
    const flex = !isEmpty(this.msg.flexible);
    o.open(`export function read${s.name}(r: Reader, version: number): ${s.name} {`);
    for (const f of s.fields) {
      const rc = cond(f.regular, ctx);
      const local = `_${f.prop}`;
      if (rc === 'true' && isEmpty(f.tagged)) {
        if (f.kind === 'array') {
          o.line(`let ${local}: ${tsType(f)};`);
          this.emitRead(f, 'r', ctx, local);
        } else {
          o.line(`const ${local} = ${this.readExpr(f, 'r', ctx)};`);
        }
        continue;
      }
      o.line(`let ${local}: ${tsType(f)} = ${defaultExpr(f)};`);
      if (rc === 'false') continue;
      o.open(`if (${rc}) {`);
      this.emitRead(f, 'r', intersect(ctx, f.regular), local);
      o.close('}');
    }
    if (flex) {
      const tagged = s.fields.filter((f) => !isEmpty(f.tagged)).sort((a, b) => a.tag - b.tag);
      o.line('let $unknown: TaggedField[] | undefined;');
      o.open(`if (${this.flexCond()}) {`);
      o.line('const $count = r.readUnsignedVarint();');
      o.open('for (let $k = 0; $k < $count; $k++) {');
      o.line('const $tag = r.readUnsignedVarint();');
      o.line('const $size = r.readUnsignedVarint();');
      let first = true;
      for (const f of tagged) {
        const c = and(`$tag === ${f.tag}`, cond(f.tagged, ctx));
        if (first) o.open(`if (${c}) {`);
        else o.mid(`} else if (${c}) {`);
        first = false;
        o.line('const $t = r.subReader($size);');
        this.emitRead(f, '$t', intersect(ctx, f.tagged), `_${f.prop}`);
      }
      if (first) o.open('{');
      else o.mid('} else {');
      o.line('($unknown ??= []).push({ tag: $tag, data: r.readRawBytes($size) });');
      o.close('}');
      o.close('}');
      o.close('}');
    }
    const props = s.fields.map((f) => `${f.prop}: _${f.prop}`);
    if (flex) props.push('unknownTaggedFields: $unknown');
    if (props.length === 0) o.line('return {};');
    else {
      o.open('return {');
      for (const p of props) o.line(`${p},`);
      o.close('};');
    }
    o.close('}');
  }

  // ---- size ----

  /** Statements adding the encoded size of value v (field f) to acc. */
  private emitSize(f: FieldModel, v: string, ctx: Versions, acc: string, ext: string): void {
    const o = this.out;
    const cFlex = cond(f.compact, ctx);
    const cNull = cond(f.nullable, ctx);
    if (f.kind === 'prim') {
      const p = f.prim as PrimType;
      const fixed = FIXED[p];
      if (fixed) o.line(`${acc} += ${fixed[0]};`);
      else if (p === 'string') o.line(`${acc} += ${sel(cFlex, `sizeOfCompactNullableString(${v})`, `sizeOfNullableString(${v})`)};`);
      else {
        o.line(`${acc} += ${sel(cFlex, `sizeOfCompactBytes(${v})`, `sizeOfBytes(${v})`)};`);
        o.line(`countExternal(${ext}, ${v});`);
      }
      return;
    }
    if (f.kind === 'struct') {
      const call = `size${(f.struct as StructModel).name}(${v}, version, ${ext})`;
      if (!isNullableAnywhere(f) || cNull === 'false') o.line(`${acc} += ${call};`);
      else o.line(`${acc} += ${v} === null ? 1 : ${cNull === 'true' ? '1' : `(${cNull} ? 1 : 0)`} + ${call};`);
      return;
    }
    const nullable = isNullableAnywhere(f);
    if (nullable) {
      o.open(`if (${v} === null) {`);
      o.line(`${acc} += ${sel(cFlex, '1', '4')};`);
      o.mid('} else {');
    }
    o.line(`${acc} += ${sel(cFlex, `sizeOfUnsignedVarint(${v}.length + 1)`, '4')};`);
    const p = f.prim;
    const fixed = p !== null ? FIXED[p] : undefined;
    if (fixed) o.line(`${acc} += ${v}.length * ${fixed[0]};`);
    else if (p === 'string') o.line(`for (const $e of ${v}) ${acc} += ${sel(cFlex, 'sizeOfCompactString($e)', 'sizeOfString($e)')};`);
    else if (p !== null) {
      o.open(`for (const $e of ${v}) {`);
      o.line(`${acc} += ${sel(cFlex, 'sizeOfCompactBytes($e)', 'sizeOfBytes($e)')};`);
      o.line(`countExternal(${ext}, $e);`);
      o.close('}');
    } else o.line(`for (const $e of ${v}) ${acc} += size${(f.struct as StructModel).name}($e, version, ${ext});`);
    if (nullable) o.close('}');
  }

  private emitSizeFunction(s: StructModel): void {
    const o = this.out;
    const ctx = this.ctx;
    o.open(`export function size${s.name}(m: ${s.name}, version: number, ext?: ExternalSize): number {`);
    o.line('let $size = 0;');
    for (const f of s.fields) {
      const rc = cond(f.regular, ctx);
      if (rc === 'false') continue;
      if (rc !== 'true') o.open(`if (${rc}) {`);
      this.emitSize(f, `m.${f.prop}`, intersect(ctx, f.regular), '$size', 'ext');
      if (rc !== 'true') o.close('}');
    }
    if (!isEmpty(this.msg.flexible)) {
      o.open(`if (${this.flexCond()}) {`);
      const tagged = s.fields.filter((x) => !isEmpty(x.tagged)).sort((a, b) => a.tag - b.tag);
      o.line('const $unknown = m.unknownTaggedFields;');
      o.line(`${tagged.length > 0 ? 'let' : 'const'} $n = $unknown === undefined ? 0 : $unknown.length;`);
      o.line('$size += sizeOfRawTags($unknown);');
      for (const f of tagged) {
        const c = and(cond(f.tagged, ctx), `!(${isDefaultExpr(f, `m.${f.prop}`)})`);
        o.open(`if (${c}) {`);
        o.line('let $s = 0;');
        this.emitSize(f, `m.${f.prop}`, intersect(ctx, f.tagged), '$s', 'ext');
        o.line('$n++;');
        o.line(`$size += sizeOfUnsignedVarint(${f.tag}) + sizeOfUnsignedVarint($s) + $s;`);
        o.close('}');
      }
      o.line('$size += sizeOfUnsignedVarint($n);');
      o.close('}');
    }
    o.line('return $size;');
    o.close('}');
  }

  // ---- write ----

  private writePrim(p: PrimType, v: string, cFlex: string, cNull: string): string {
    const fixed = FIXED[p];
    if (fixed) return `w.write${fixed[1]}(${v});`;
    const t = p === 'string' ? 'String' : 'Bytes';
    const branch = (c: string, a: string, b: string): string =>
      c === 'true' ? a : c === 'false' ? b : `if (${c}) { ${a} } else { ${b} }`;
    return branch(
      cFlex,
      branch(cNull, `w.writeCompactNullable${t}(${v});`, `w.writeCompact${t}(${v});`),
      branch(cNull, `w.writeNullable${t}(${v});`, `w.write${t}(${v});`),
    );
  }

  private emitWrite(f: FieldModel, v: string, ctx: Versions, where: string): void {
    const o = this.out;
    const cFlex = cond(f.compact, ctx);
    const cNull = cond(f.nullable, ctx);
    if (f.kind === 'prim') {
      o.line(this.writePrim(f.prim as PrimType, v, cFlex, cNull));
      return;
    }
    if (f.kind === 'struct') {
      const s = (f.struct as StructModel).name;
      if (!isNullableAnywhere(f)) {
        o.line(`write${s}(w, ${v}, version);`);
        return;
      }
      if (cNull !== 'true') o.line(`if (${v} === null && ${not(cNull)}) throw nullField('${where}', version);`);
      const [nullMark, presentMark] = inTag(f, ctx) ? ['w.writeUnsignedVarint(0);', 'w.writeUnsignedVarint(1);'] : ['w.writeInt8(-1);', 'w.writeInt8(1);'];
      o.open(`if (${v} === null) {`);
      o.line(nullMark);
      o.mid('} else {');
      if (cNull !== 'false') o.line(cNull === 'true' ? presentMark : `if (${cNull}) ${presentMark}`);
      o.line(`write${s}(w, ${v}, version);`);
      o.close('}');
      return;
    }
    const nullable = isNullableAnywhere(f);
    if (cFlex === 'true') o.line(`w.writeCompactArrayCount(${v}, ${cNull});`);
    else if (cFlex === 'false') o.line(`w.writeArrayCount(${v}, ${cNull});`);
    else o.line(`if (${cFlex}) w.writeCompactArrayCount(${v}, ${cNull}); else w.writeArrayCount(${v}, ${cNull});`);
    const body = f.struct !== null ? `write${f.struct.name}(w, $e, version);` : this.writePrim(f.prim as PrimType, '$e', cFlex, 'false');
    const loop = body.startsWith('if') ? `for (const $e of ${v}) { ${body} }` : `for (const $e of ${v}) ${body}`;
    if (nullable) o.line(`if (${v} !== null) ${loop}`);
    else o.line(loop);
  }

  private emitWriteFunction(s: StructModel): void {
    const o = this.out;
    const ctx = this.ctx;
    o.open(`export function write${s.name}(w: Writer, m: ${s.name}, version: number): void {`);
    for (const f of s.fields) {
      const where = `${s.name}.${f.name}`;
      const rc = cond(f.regular, ctx);
      if (rc === 'true') {
        this.emitWrite(f, `m.${f.prop}`, ctx, where);
        continue;
      }
      if (rc !== 'false') {
        o.open(`if (${rc}) {`);
        this.emitWrite(f, `m.${f.prop}`, intersect(ctx, f.regular), where);
        o.close('}');
      }
      if (!f.ignorable && !covers(f.versions, ctx)) {
        const absent = not(cond(f.versions, ctx));
        o.line(`if (${and(absent, `!(${isDefaultExpr(f, `m.${f.prop}`)})`)}) throw unsupportedField('${where}', version);`);
      }
    }
    if (!isEmpty(this.msg.flexible)) {
      const tagged = s.fields.filter((x) => !isEmpty(x.tagged)).sort((a, b) => a.tag - b.tag);
      o.open(`if (${this.flexCond()}) {`);
      o.line('const $unknown = m.unknownTaggedFields;');
      o.line(`${tagged.length > 0 ? 'let' : 'const'} $n = $unknown === undefined ? 0 : $unknown.length;`);
      tagged.forEach((f, i) => {
        o.line(`const $w${i} = ${and(cond(f.tagged, ctx), `!(${isDefaultExpr(f, `m.${f.prop}`)})`)};`);
        o.line(`if ($w${i}) $n++;`);
      });
      o.line('w.writeUnsignedVarint($n);');
      o.line(`${tagged.length > 0 ? 'let' : 'const'} $u = 0;`);
      tagged.forEach((f, i) => {
        const tctx = intersect(ctx, f.tagged);
        o.open(`if ($w${i}) {`);
        o.line(`$u = writeRawTagsBefore(w, $unknown, $u, ${f.tag});`);
        o.line('let $s = 0;');
        this.emitSize(f, `m.${f.prop}`, tctx, '$s', 'undefined');
        o.line(`w.writeUnsignedVarint(${f.tag});`);
        o.line('w.writeUnsignedVarint($s);');
        this.emitWrite(f, `m.${f.prop}`, tctx, `${s.name}.${f.name}`);
        o.close('}');
      });
      o.line('writeRawTagsBefore(w, $unknown, $u, Infinity);');
      o.close('}');
    }
    o.close('}');
  }

  emitAll(): void {
    for (const s of [this.msg.root, ...this.msg.structs]) {
      this.out.blank();
      this.emitReadFunction(s);
      this.out.blank();
      this.emitSizeFunction(s);
      this.out.blank();
      this.emitWriteFunction(s);
    }
  }
}

export function emitCodec(out: Lines, m: MessageModel): void {
  new CodecEmitter(m, out).emitAll();
}
