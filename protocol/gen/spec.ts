/**
 * Loader for Kafka's message spec JSON (JSON with `//` line comments) and the spec types.
 */
import * as fs from 'fs';

export interface FieldSpec {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  /** A number, or a numeric string in a few specs. */
  tag?: number | string;
  default?: string | number | boolean;
  ignorable?: boolean;
  flexibleVersions?: string;
  fields?: FieldSpec[];
  about?: string;
  mapKey?: boolean;
  entityType?: string;
  zeroCopy?: boolean;
}

export interface StructSpec {
  name: string;
  versions?: string;
  fields: FieldSpec[];
}

export interface MessageSpec {
  apiKey?: number;
  type: 'request' | 'response' | 'header' | 'data';
  name: string;
  validVersions: string;
  flexibleVersions: string;
  deprecatedVersions?: string;
  latestVersionUnstable?: boolean;
  listeners?: string[];
  fields: FieldSpec[];
  commonStructs?: StructSpec[];
}

/** Removes `//` and `/* *\/` comments that lie outside string literals. */
export function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const j = text.indexOf('*/', i + 2);
      i = j < 0 ? text.length : j + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export function parseSpec(text: string, file: string): MessageSpec {
  let spec: MessageSpec;
  try {
    spec = JSON.parse(stripComments(text)) as MessageSpec;
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  if (typeof spec.name !== 'string' || !Array.isArray(spec.fields)) throw new Error(`${file}: not a message spec`);
  return spec;
}

export function loadSpec(file: string): MessageSpec {
  return parseSpec(fs.readFileSync(file, 'utf8'), file);
}
