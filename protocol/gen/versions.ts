/**
 * Version ranges of the spec language: "3+", "0-2", "5", "none".
 * A range is [min, max] inclusive; max is Infinity for "N+"; it is empty when min > max.
 */
export interface Versions {
  readonly min: number;
  readonly max: number;
}

export const NO_VERSIONS: Versions = { min: 1, max: 0 };
export const ALL_VERSIONS: Versions = { min: 0, max: Infinity };

export function parseVersions(s: string | undefined, what: string): Versions {
  if (s === undefined) return NO_VERSIONS;
  const t = s.trim();
  if (t === 'none') return NO_VERSIONS;
  let m = /^(\d+)\+$/.exec(t);
  if (m) return { min: Number(m[1]), max: Infinity };
  m = /^(\d+)-(\d+)$/.exec(t);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  m = /^(\d+)$/.exec(t);
  if (m) return { min: Number(m[1]), max: Number(m[1]) };
  throw new Error(`${what}: bad version range ${JSON.stringify(s)}`);
}

export function isEmpty(v: Versions): boolean {
  return v.min > v.max;
}

export function contains(v: Versions, version: number): boolean {
  return version >= v.min && version <= v.max;
}

export function intersect(a: Versions, b: Versions): Versions {
  const r = { min: Math.max(a.min, b.min), max: Math.min(a.max, b.max) };
  return isEmpty(r) ? NO_VERSIONS : r;
}

/** a minus b, when the result is one range (b is a prefix or suffix of a, or disjoint). */
export function subtract(a: Versions, b: Versions, what: string): Versions {
  const i = intersect(a, b);
  if (isEmpty(i)) return a;
  if (i.min <= a.min && i.max >= a.max) return NO_VERSIONS;
  if (i.min <= a.min) return { min: i.max + 1, max: a.max };
  if (i.max >= a.max) return { min: a.min, max: i.min - 1 };
  throw new Error(`${what}: version range difference is not contiguous`);
}

/** True when every version of ctx is in v. */
export function covers(v: Versions, ctx: Versions): boolean {
  return isEmpty(ctx) || (v.min <= ctx.min && v.max >= ctx.max);
}

export function format(v: Versions): string {
  if (isEmpty(v)) return 'none';
  if (v.max === Infinity) return `${v.min}+`;
  if (v.min === v.max) return `${v.min}`;
  return `${v.min}-${v.max}`;
}

/**
 * A JS boolean expression over `version` that is true exactly for the versions of ctx in v
 * ("true"/"false" when that does not depend on the version within ctx).
 */
export function cond(v: Versions, ctx: Versions, name = 'version'): string {
  const i = intersect(v, ctx);
  if (isEmpty(i)) return 'false';
  if (covers(v, ctx)) return 'true';
  const parts: string[] = [];
  if (i.min > ctx.min) parts.push(`${name} >= ${i.min}`);
  if (i.max < ctx.max) parts.push(`${name} <= ${i.max}`);
  return parts.join(' && ');
}
