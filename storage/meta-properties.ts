/** `meta.properties` of a log dir (Kafka's MetaProperties, Java properties text). */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from './checkpoint-file';
import { META_PROPERTIES } from './log-file-names';

export type Properties = Map<string, string>;

export function parseProperties(text: string): Properties {
  const m = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const i = line.search(/[=:]/);
    if (i < 0) m.set(line, '');
    else m.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return m;
}

export function formatProperties(p: Properties, now: Date = new Date()): string {
  let out = `#\n#${now.toUTCString()}\n`;
  for (const [k, v] of p) out += `${k}=${v}\n`;
  return out;
}

export async function readMetaProperties(dir: string): Promise<Properties | null> {
  try {
    return parseProperties(await fs.promises.readFile(path.join(dir, META_PROPERTIES), 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Ensures meta.properties agrees with the given identity: writes it when missing (version=0,
 * broker.id, cluster.id: the ZooKeeper-mode format), throws when an existing one disagrees.
 */
export async function ensureMetaProperties(dir: string, ident: { brokerId?: number; clusterId?: string }): Promise<void> {
  const existing = await readMetaProperties(dir);
  if (existing) {
    const b = existing.get('broker.id');
    const c = existing.get('cluster.id');
    if (ident.brokerId !== undefined && b !== undefined && b !== String(ident.brokerId)) {
      throw new Error(`log dir ${dir} belongs to broker.id ${b}, not ${ident.brokerId}`);
    }
    if (ident.clusterId !== undefined && c !== undefined && c !== ident.clusterId) {
      throw new Error(`log dir ${dir} belongs to cluster ${c}, not ${ident.clusterId}`);
    }
    if ((b !== undefined || ident.brokerId === undefined) && (c !== undefined || ident.clusterId === undefined)) return;
  }
  const p: Properties = existing ?? new Map([['version', '0']]);
  if (!p.has('version')) p.set('version', '0');
  if (ident.brokerId !== undefined) p.set('broker.id', String(ident.brokerId));
  if (ident.clusterId !== undefined) p.set('cluster.id', ident.clusterId);
  await writeFileAtomic(path.join(dir, META_PROPERTIES), formatProperties(p));
}
