/** Emits api-keys.ts (the ApiKey enum and the API table) and the index files. */
import type { MessageModel } from './model';
import { kebabCase } from './model';
import { Lines } from './lines';
import { parseVersions, Versions } from './versions';

const LISTENER_ORDER = ['zkBroker', 'broker', 'controller'];

function range(v: Versions): string {
  return `{ min: ${v.min}, max: ${v.max === Infinity ? 'Infinity' : v.max} }`;
}

function optRange(s: string | undefined, what: string): string {
  const v = parseVersions(s ?? 'none', what);
  return v.min > v.max ? 'null' : range(v);
}

export function apiName(request: MessageModel): string {
  return request.name.replace(/Request$/, '');
}

export function emitApiKeys(out: Lines, pairs: [MessageModel, MessageModel][]): void {
  for (const [req, resp] of pairs) {
    const fns = (m: MessageModel): string => `read${m.name}, size${m.name}, write${m.name}, default${m.name}`;
    out.line(`import { ${fns(req)} } from './${kebabCase(req.name)}';`);
    out.line(`import { ${fns(resp)} } from './${kebabCase(resp.name)}';`);
  }
  out.line("import type { ExternalSize, Reader, Writer } from '../primitives';");
  out.blank();
  out.open('export enum ApiKey {');
  for (const [req] of pairs) out.line(`${apiName(req)} = ${req.spec.apiKey},`);
  out.close('}');
  out.blank();
  out.line('/** The generated codec of one message type (method syntax: the table erases T to unknown). */');
  out.open('export interface MessageCodec<T = unknown> {');
  out.line('read(r: Reader, version: number): T;');
  out.line('size(m: T, version: number, ext?: ExternalSize): number;');
  out.line('write(w: Writer, m: T, version: number): void;');
  out.line('create(): T;');
  out.close('}');
  out.blank();
  out.line('export interface VersionRange {');
  out.line('  readonly min: number;');
  out.line('  /** Infinity for an open range. */');
  out.line('  readonly max: number;');
  out.line('}');
  out.blank();
  out.open('export interface ApiInfo<Req = unknown, Resp = unknown> {');
  out.line('readonly apiKey: ApiKey;');
  out.line('readonly name: string;');
  out.line('readonly validVersions: VersionRange;');
  out.line('/** Versions using flexible encodings (request header v2, response header v1), as in the spec (open ranges stay open, so a version above max is judged like Kafka does); null if none. */');
  out.line('readonly flexibleVersions: VersionRange | null;');
  out.line('readonly deprecatedVersions: VersionRange | null;');
  out.line("/** Of 'zkBroker', 'broker', 'controller', in that order. */");
  out.line('readonly listeners: readonly string[];');
  out.line('readonly latestVersionUnstable: boolean;');
  out.line('readonly request: MessageCodec<Req>;');
  out.line('readonly response: MessageCodec<Resp>;');
  out.close('}');
  out.blank();
  out.line('/** Every API of Kafka 3.9.2, in apiKey order. */');
  out.open('export const API_INFOS: readonly ApiInfo[] = [');
  for (const [req, resp] of pairs) {
    const s = req.spec;
    const listeners = [...(s.listeners ?? [])].sort((a, b) => LISTENER_ORDER.indexOf(a) - LISTENER_ORDER.indexOf(b));
    const codec = (m: MessageModel): string =>
      `{ read: read${m.name}, size: size${m.name}, write: write${m.name}, create: default${m.name} }`;
    out.open('{');
    out.line(`apiKey: ApiKey.${apiName(req)},`);
    out.line(`name: '${apiName(req)}',`);
    out.line(`validVersions: ${range(req.valid)},`);
    out.line(`flexibleVersions: ${optRange(s.flexibleVersions, `${req.name}.flexibleVersions`)},`);
    out.line(`deprecatedVersions: ${optRange(s.deprecatedVersions, `${req.name}.deprecatedVersions`)},`);
    out.line(`listeners: [${listeners.map((l) => `'${l}'`).join(', ')}],`);
    out.line(`latestVersionUnstable: ${s.latestVersionUnstable === true},`);
    out.line(`request: ${codec(req)},`);
    out.line(`response: ${codec(resp)},`);
    out.close('},');
  }
  out.close('];');
  out.blank();
  out.line('const BY_KEY: ReadonlyMap<number, ApiInfo> = new Map(API_INFOS.map((a) => [a.apiKey, a]));');
  out.blank();
  out.line('/** The API with this key, or undefined for an unknown key. */');
  out.open('export function apiInfo(apiKey: number): ApiInfo | undefined {');
  out.line('return BY_KEY.get(apiKey);');
  out.close('}');
  out.blank();
  out.line('/** True when version is one of the API\'s flexible versions. */');
  out.open('export function isFlexibleVersion(info: ApiInfo, version: number): boolean {');
  out.line('const f = info.flexibleVersions;');
  out.line('return f !== null && version >= f.min && version <= f.max;');
  out.close('}');
}

export function emitIndex(out: Lines, models: MessageModel[], extra: string[]): void {
  for (const e of extra) out.line(e);
  for (const m of models) {
    const mod = `./${kebabCase(m.name)}`;
    out.line(`export type { ${m.name} } from '${mod}';`);
    out.line(`export { read${m.name}, size${m.name}, write${m.name}, default${m.name} } from '${mod}';`);
  }
}
