/**
 * The broker's V8 flags (broker/node-flags.ts) are repeated where Node is started outside
 * TypeScript: the bin's shebang, `npm start` and the Dockerfile. They must not drift apart.
 */
import fs from 'fs';
import path from 'path';
import { BROKER_NODE_FLAGS } from '../../broker/node-flags';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (f: string): string => fs.readFileSync(path.join(ROOT, f), 'utf8');

describe('Broker > node flags', () => {
  test('the list is not empty and every entry is a --flag', () => {
    expect(BROKER_NODE_FLAGS.length).toBeGreaterThan(0);
    for (const f of BROKER_NODE_FLAGS) expect(f).toMatch(/^--[a-z-]+(=\S+)?$/);
  });

  test('the gregor bin starts Node with exactly these flags (shebang)', () => {
    const shebang = read('broker/main.ts').split('\n')[0]!;
    expect(shebang).toBe(`#!/usr/bin/env -S node ${BROKER_NODE_FLAGS.join(' ')}`);
  });

  test('npm start runs the broker with these flags', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['start']!;
    expect(start).toContain(`node ${BROKER_NODE_FLAGS.join(' ')} dist/broker/main.js broker`);
  });

  test('the Dockerfile entrypoint runs the broker with these flags', () => {
    const entry = /ENTRYPOINT \[([^\]]*)/.exec(read('Dockerfile'))![1]!;
    const words = [...entry.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
    expect(words.slice(0, 2 + BROKER_NODE_FLAGS.length)).toEqual(['node', ...BROKER_NODE_FLAGS, 'dist/broker/main.js']);
  });
});
