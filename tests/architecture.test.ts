// Architecture rules: the import direction between top-level folders, and which files may
// import the modules that touch the outside world (net, fs, ZooKeeper, yargs).
// protocol <- storage <- replication <- broker, and coordinator between storage and broker.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const SOURCE_DIRS = ['protocol', 'storage', 'replication', 'coordinator', 'broker'];

/** Which top-level folders each folder may import from (besides itself). */
const ALLOWED: Record<string, string[]> = {
  protocol: [],
  storage: ['protocol'],
  replication: ['protocol', 'storage'],
  coordinator: ['protocol', 'storage'],
  broker: ['protocol', 'storage', 'replication', 'coordinator'],
};

/** Node and npm modules that only some files may import (path prefixes relative to the root). */
const RESTRICTED_MODULES: Record<string, string[]> = {
  'node-zookeeper-client': ['coordinator/zk/'],
  net: ['broker/network/server.ts', 'broker/network/connection.ts', 'replication/', 'broker/dev-cluster/'],
  yargs: ['broker/main.ts'],
  fs: ['storage/', 'protocol/gen/', 'broker/config/config-file.ts', 'broker/main.ts', 'broker/dev-cluster/'],
};

function listTs(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTs(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) specs.push((m[1] ?? m[2] ?? m[3]) as string);
  return specs;
}

const files = SOURCE_DIRS.flatMap((d) => listTs(join(ROOT, d)).map((f) => relative(ROOT, f)));

describe('Architecture', () => {
  it('finds the source files', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('keeps the import direction protocol <- storage <- replication/coordinator <- broker', () => {
    const violations: string[] = [];
    for (const file of files) {
      const top = file.split('/')[0] as string;
      for (const spec of importsOf(join(ROOT, file))) {
        if (!spec.startsWith('.')) continue;
        const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
        const targetTop = target.split('/')[0] as string;
        if (targetTop === top || !SOURCE_DIRS.includes(targetTop)) continue;
        if (!(ALLOWED[top] ?? []).includes(targetTop)) violations.push(`${file} imports ${target}`);
        if (top === 'storage' && !(target.startsWith('protocol/records') || target.startsWith('protocol/errors'))) {
          violations.push(`${file} imports ${target} (storage may use only protocol/records and protocol/errors)`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('confines net, fs, ZooKeeper and yargs to their owners', () => {
    const violations: string[] = [];
    for (const file of files) {
      for (const spec of importsOf(join(ROOT, file))) {
        const name = spec.replace(/^node:/, '').split('/')[0] as string;
        const owners = RESTRICTED_MODULES[name === 'fs' || spec.startsWith('node:fs') ? 'fs' : name];
        if (!owners) continue;
        if (!owners.some((o) => file.startsWith(o))) violations.push(`${file} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
