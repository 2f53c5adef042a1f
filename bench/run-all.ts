/**
 * `npm run bench`: every benchmark, one after the other, each in its own Node process so that
 * one's heap and page-cache state does not colour the next. Output is markdown for BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const SUITES = ['protocol', 'storage', 'broker', 'groups', 'cluster'];

let failed = 0;
for (const suite of SUITES) {
  console.log(`\n## ${suite}\n`);
  const run = spawnSync(process.execPath, [join(__dirname, `${suite}.js`)], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    console.error(`bench ${suite} failed with exit status ${run.status ?? run.signal}`);
  }
}
process.exitCode = failed ? 1 : 0;
