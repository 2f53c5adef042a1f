/**
 * Emits the TypeScript interfaces of a message and its structs, the default<Name>() factories,
 * and the expressions for a field's default value and "is default" test.
 */
import type { FieldModel, MessageModel, PrimType, StructModel } from './model';
import { format, isEmpty } from './versions';
import { Lines } from './lines';

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export const PRIM_TS: Record<PrimType, string> = {
  bool: 'boolean',
  int8: 'number',
  int16: 'number',
  uint16: 'number',
  int32: 'number',
  int64: 'bigint',
  float64: 'number',
  string: 'string',
  bytes: 'Buffer',
  uuid: 'string',
  records: 'Buffer',
};

export function isNullableAnywhere(f: FieldModel): boolean {
  return !isEmpty(f.nullable) || (f.kind === 'prim' && f.prim === 'records');
}

export function tsType(f: FieldModel): string {
  const base = f.prim !== null ? PRIM_TS[f.prim] : (f.struct as StructModel).name;
  const t = f.kind === 'array' ? `${base}[]` : base;
  return isNullableAnywhere(f) ? `${t} | null` : t;
}

function specDefault(f: FieldModel): string | undefined {
  const d = f.spec.default;
  return d === undefined ? undefined : String(d).trim();
}

function parseIntDefault(f: FieldModel, d: string): number {
  const n = /^-?0x/i.test(d) ? (d.startsWith('-') ? -parseInt(d.slice(3), 16) : parseInt(d.slice(2), 16)) : Number(d);
  if (!Number.isInteger(n)) throw new Error(`${f.name}: bad integer default ${d}`);
  return n;
}

/** A TS expression for the field's default value (a fresh object for arrays/structs/bytes). */
export function defaultExpr(f: FieldModel): string {
  const d = specDefault(f);
  if (d === 'null') {
    if (!isNullableAnywhere(f)) throw new Error(`${f.name}: default null on a non-nullable field`);
    return 'null';
  }
  if (f.kind === 'array') return '[]';
  if (f.kind === 'struct') return `default${(f.struct as StructModel).name}()`;
  switch (f.prim as PrimType) {
    case 'bool':
      return d === 'true' ? 'true' : 'false';
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
      return d === undefined || d === '' ? '0' : String(parseIntDefault(f, d));
    case 'int64':
      if (d === undefined || d === '') return '0n';
      return `${/^-?0x/i.test(d) ? BigInt(parseIntDefault(f, d)) : BigInt(d)}n`;
    case 'float64':
      return d === undefined || d === '' ? '0' : String(Number(d));
    case 'string':
      return JSON.stringify(d ?? '').replace(/^"(.*)"$/, "'$1'");
    case 'uuid':
      return `'${ZERO_UUID}'`;
    case 'bytes':
      return 'Buffer.alloc(0)';
    case 'records':
      return 'null';
  }
}

/** A TS boolean expression: value expression v holds the field's default. */
export function isDefaultExpr(f: FieldModel, v: string): string {
  const d = defaultExpr(f);
  if (d === 'null') return `${v} === null`;
  if (f.kind === 'array' || f.prim === 'bytes') return `(${v} !== null && ${v}.length === 0)`;
  if (f.kind === 'struct') {
    const call = `isDefault${(f.struct as StructModel).name}(${v})`;
    return isNullableAnywhere(f) ? `(${v} !== null && ${call})` : call;
  }
  return `${v} === ${d}`;
}

function doc(f: FieldModel): string {
  const parts: string[] = [];
  if (f.spec.about) parts.push(f.spec.about.replace(/\*\//g, '*\\/').replace(/\s+/g, ' ').trim());
  let v = `v${format(f.versions)}`;
  if (!isEmpty(f.tagged)) v += `, tagged v${format(f.tagged)} (tag ${f.tag})`;
  if (!isEmpty(f.nullable)) v += `, nullable v${format(f.nullable)}`;
  if (f.spec.default !== undefined) v += `, default ${String(f.spec.default)}`;
  if (f.ignorable) v += ', ignorable';
  parts.push(`${v}.`);
  return parts.join(' ');
}

const COMMENT_TYPES: Partial<Record<PrimType, string>> = { int8: 'int8', int16: 'int16', uint16: 'uint16', int32: 'int32', float64: 'float64', uuid: 'uuid' };

function emitInterface(out: Lines, s: StructModel, flexible: boolean, about?: string): void {
  if (about) out.line(`/** ${about} */`);
  out.open(`export interface ${s.name} {`);
  for (const f of s.fields) {
    out.line(`/** ${doc(f)} */`);
    const c = f.kind === 'prim' && f.prim !== null ? COMMENT_TYPES[f.prim] : undefined;
    out.line(`${f.prop}: ${tsType(f)};${c ? ` // ${c}` : ''}`);
  }
  if (flexible) {
    out.line('/** Tagged fields this codec does not know, kept for re-encoding (sorted by tag). */');
    out.line('unknownTaggedFields?: TaggedField[];');
  }
  out.close('}');
}

function emitDefault(out: Lines, s: StructModel): void {
  out.open(`export function default${s.name}(): ${s.name} {`);
  if (s.fields.length === 0) {
    out.line('return {};');
  } else {
    out.open('return {');
    for (const f of s.fields) out.line(`${f.prop}: ${defaultExpr(f)},`);
    out.close('};');
  }
  out.close('}');
}

/** isDefault<Name>(m): every field holds its default and no unknown tags are kept. */
function emitIsDefault(out: Lines, s: StructModel, flexible: boolean): void {
  const terms = s.fields.map((f) => isDefaultExpr(f, `m.${f.prop}`));
  if (flexible) terms.push('(m.unknownTaggedFields === undefined || m.unknownTaggedFields.length === 0)');
  out.open(`export function isDefault${s.name}(m: ${s.name}): boolean {`);
  if (terms.length === 0) out.line('return true;');
  else {
    out.open('return (');
    terms.forEach((t, i) => out.line(`${t}${i < terms.length - 1 ? ' &&' : ''}`));
    out.close(');');
  }
  out.close('}');
}

export function emitTypes(out: Lines, m: MessageModel): void {
  const flexible = !isEmpty(m.flexible);
  const kind = m.spec.type === 'request' || m.spec.type === 'response' ? `${m.spec.type} of API key ${m.spec.apiKey}` : m.spec.type;
  emitInterface(out, m.root, flexible, `${m.name}: ${kind}, versions ${format(m.valid)}, flexible ${format(m.flexible)}.`);
  for (const s of m.structs) {
    out.blank();
    emitInterface(out, s, flexible);
  }
  out.blank();
  emitDefault(out, m.root);
  for (const s of m.structs) {
    out.blank();
    emitDefault(out, s);
  }
  for (const s of [m.root, ...m.structs]) {
    out.blank();
    emitIsDefault(out, s, flexible);
  }
}
