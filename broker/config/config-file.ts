/**
 * The broker's few small files outside the logs: reading server.properties and the embedded
 * metadata snapshot (atomic replace: write temp, fsync, rename). meta.properties belongs to storage.
 */
import { promises as fsp } from 'fs';
import path from 'path';
import type { MetadataFile } from '../../coordinator/local-metadata-store';
import { parseProperties } from './config';

export async function readPropertiesFile(file: string): Promise<Record<string, string>> {
  return parseProperties(await fsp.readFile(file, 'utf8'));
}

async function atomicWrite(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await fsp.open(tmp, 'w');
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, file);
}

export async function ensureDir(dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
}

/** The metadata snapshot file `__gregor_metadata.json` in `dir`. */
export function metadataFileIn(dir: string): MetadataFile {
  const file = path.join(dir, '__gregor_metadata.json');
  return {
    async read() {
      try {
        return await fsp.readFile(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    write: (text) => atomicWrite(file, text),
  };
}
