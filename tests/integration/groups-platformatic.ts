/**
 * Runs @platformatic/kafka admin calls in a child node process (the package is ESM-only and the
 * jest projects are CommonJS). Each call is `[method, options]`; results come back as JSON with
 * bigints as strings and Maps as objects.
 */
import { execFile } from 'child_process';

const SCRIPT = `
const { Admin } = await import(process.argv[1]);
const [bootstrap, callsJson] = process.argv.slice(2);
const admin = new Admin({ clientId: 'padmin', bootstrapBrokers: [bootstrap] });
const replacer = (_k, v) => typeof v === 'bigint' ? v.toString() : v instanceof Map ? Object.fromEntries(v) : v;
const out = [];
try {
  for (const [method, opts] of JSON.parse(callsJson)) {
    try { out.push({ ok: await admin[method](opts) }); }
    catch (e) { out.push({ error: String(e && e.message), errors: (e && e.errors || []).map((x) => String(x && x.message)) }); }
  }
} finally { await admin.close(); }
process.stdout.write(JSON.stringify(out, replacer));
`;

export function platformatic(bootstrap: string, calls: [string, unknown][]): Promise<{ ok?: any; error?: string }[]> {
  const entry = require.resolve('@platformatic/kafka');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', SCRIPT, entry, bootstrap, JSON.stringify(calls)], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`platformatic child failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}
