/**
 * Normalized model of a message spec: fields resolved to primitive/array/struct kinds, version
 * ranges parsed and clipped to the message's validVersions, struct references resolved.
 */
import type { FieldSpec, MessageSpec } from './spec';
import { ALL_VERSIONS, NO_VERSIONS, Versions, intersect, isEmpty, parseVersions, subtract } from './versions';

export type PrimType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'uuid'
  | 'records';

const PRIMS: ReadonlySet<string> = new Set([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'int64', 'float64', 'string', 'bytes', 'uuid', 'records',
]);

export interface FieldModel {
  readonly spec: FieldSpec;
  /** Spec name, e.g. "TransactionalId". */
  readonly name: string;
  /** camelCase property name, e.g. "transactionalId". */
  readonly prop: string;
  readonly kind: 'prim' | 'array' | 'struct';
  /** The primitive type (kind prim) or element primitive type (array of primitives). */
  readonly prim: PrimType | null;
  /** The struct (kind struct) or element struct (array of structs). */
  readonly struct: StructModel | null;
  /** Versions where the field exists (regular or tagged), within validVersions. */
  readonly versions: Versions;
  /** Versions where it is a regular (positional) field. */
  readonly regular: Versions;
  /** Versions where it is a tagged field (tag >= 0). */
  readonly tagged: Versions;
  readonly tag: number;
  readonly nullable: Versions;
  /** Versions where compact (flexible) encodings are used for this field. */
  readonly compact: Versions;
  readonly ignorable: boolean;
}

export interface StructModel {
  readonly name: string;
  readonly fields: FieldModel[];
}

export interface MessageModel {
  readonly spec: MessageSpec;
  readonly name: string;
  /** Spec file name without directory, e.g. "ProduceRequest.json". */
  readonly sourceFile: string;
  readonly valid: Versions;
  readonly flexible: Versions;
  readonly root: StructModel;
  /** Every nested struct, in first-definition order (root excluded). */
  readonly structs: StructModel[];
}

export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

export function kebabCase(name: string): string {
  return name
    .replace(/KRaft/g, 'Kraft')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

export function buildModel(spec: MessageSpec, sourceFile: string): MessageModel {
  const valid = parseVersions(spec.validVersions, `${spec.name}.validVersions`);
  const flexible = intersect(parseVersions(spec.flexibleVersions, `${spec.name}.flexibleVersions`), valid);
  const defs = new Map<string, FieldSpec[]>();
  const order: string[] = [];
  const define = (name: string, fields: FieldSpec[]): void => {
    if (name === spec.name) throw new Error(`${spec.name}: struct named like the message`);
    if (!defs.has(name)) order.push(name);
    defs.set(name, fields);
  };
  const collect = (fields: FieldSpec[]): void => {
    for (const f of fields) {
      if (f.fields !== undefined) {
        define(structTypeName(f.type), f.fields);
        collect(f.fields);
      }
    }
  };
  collect(spec.fields);
  for (const s of spec.commonStructs ?? []) {
    define(s.name, s.fields);
    collect(s.fields);
  }
  const structs = new Map<string, StructModel>();
  const root: StructModel = { name: spec.name, fields: [] };
  const getStruct = (name: string): StructModel => {
    let s = structs.get(name);
    if (s === undefined) {
      const fields = defs.get(name);
      if (fields === undefined) throw new Error(`${spec.name}: unknown struct type ${name}`);
      s = { name, fields: [] };
      structs.set(name, s);
      s.fields.push(...fields.map((f) => buildField(f, `${spec.name}.${name}`)));
    }
    return s;
  };
  const buildField = (f: FieldSpec, where: string): FieldModel => {
    const what = `${where}.${f.name}`;
    const versions = intersect(parseVersions(f.versions, `${what}.versions`), valid);
    const taggedSpec = parseVersions(f.taggedVersions, `${what}.taggedVersions`);
    const tagged = f.taggedVersions === undefined ? NO_VERSIONS : intersect(taggedSpec, versions);
    const tag = f.taggedVersions === undefined ? -1 : Number(f.tag);
    if (!Number.isInteger(tag)) throw new Error(`${what}: tagged without a numeric tag`);
    const regular = subtract(versions, tagged, what);
    const fieldFlex =
      f.flexibleVersions === undefined ? ALL_VERSIONS : parseVersions(f.flexibleVersions, `${what}.flexibleVersions`);
    let kind: FieldModel['kind'];
    let prim: PrimType | null = null;
    let struct: StructModel | null = null;
    const isArray = f.type.startsWith('[]');
    const base = isArray ? f.type.slice(2) : f.type;
    if (PRIMS.has(base)) {
      prim = base as PrimType;
      kind = isArray ? 'array' : 'prim';
      if (isArray && prim === 'records') throw new Error(`${what}: array of records`);
    } else {
      struct = getStruct(base);
      kind = isArray ? 'array' : 'struct';
    }
    return {
      spec: f,
      name: f.name,
      prop: camelCase(f.name),
      kind,
      prim,
      struct,
      versions,
      regular,
      tagged,
      tag,
      nullable: intersect(parseVersions(f.nullableVersions, `${what}.nullableVersions`), versions),
      compact: intersect(flexible, fieldFlex),
      ignorable: f.ignorable === true,
    };
  };
  root.fields.push(...spec.fields.map((f) => buildField(f, spec.name)));
  for (const name of order) getStruct(name);
  const tags = new Set<string>();
  for (const s of [root, ...structs.values()]) {
    for (const f of s.fields) {
      if (f.tag < 0) continue;
      const key = `${s.name}/${f.tag}`;
      if (tags.has(key)) throw new Error(`${spec.name}: duplicate tag ${f.tag} in ${s.name}`);
      tags.add(key);
    }
  }
  if (isEmpty(valid)) throw new Error(`${spec.name}: no valid versions`);
  return {
    spec,
    name: spec.name,
    sourceFile,
    valid,
    flexible,
    root,
    structs: order.map((n) => structs.get(n) as StructModel),
  };
}

function structTypeName(type: string): string {
  return type.startsWith('[]') ? type.slice(2) : type;
}

/** Every version in r (r must be finite). */
export function versionList(r: Versions): number[] {
  const out: number[] = [];
  for (let v = r.min; v <= r.max; v++) out.push(v);
  return out;
}
