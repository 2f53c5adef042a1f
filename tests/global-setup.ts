/**
 * Integration project globalSetup: compiles dist/ once per jest run (`npm run build`, i.e.
 * tsc -p tsconfig.build.json), so brokers the tests spawn as processes (tests/helpers/cluster.ts)
 * run the code of this tree. Prints how long the build took.
 *
 * tsc writes its output even when it reports type errors (noEmitOnError is off); those are
 * printed and the run goes on (`npm test` type-checks first anyway). Anything else (no output,
 * a crash of tsc) fails the run.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';

const ROOT = path.resolve(__dirname, '..');
const ENTRY = path.join(ROOT, 'dist', 'broker', 'main.js');

export default function globalSetup(): void {
  const started = Date.now();
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8' });
  const ms = Date.now() - started;
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const emitted = fs.existsSync(ENTRY) && fs.statSync(ENTRY).mtimeMs >= started - 1000;
  if (r.status === 0) {
    process.stdout.write(`\n[global-setup] npm run build: ${ms} ms\n`);
    return;
  }
  if (/error TS\d+/.test(out) && fs.existsSync(ENTRY)) {
    const errors = out.split('\n').filter((l) => /error TS\d+/.test(l));
    process.stdout.write(
      `\n[global-setup] npm run build: ${ms} ms, ${errors.length} type errors (output written${emitted ? '' : ', but dist/broker/main.js is older than this run'}):\n${errors.slice(0, 20).join('\n')}\n`,
    );
    return;
  }
  throw new Error(`npm run build failed (exit ${r.status}, ${ms} ms):\n${out.slice(-4000)}`);
}
