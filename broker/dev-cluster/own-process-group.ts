/**
 * `gregor dev-cluster` runs its cluster from a process in a process group of its own. A
 * terminal's Ctrl-C signals the whole foreground process group, which would reach ZooKeeper (a
 * child in the CLI's group) at the same moment as the CLI, so ZooKeeper would die while the
 * brokers still do their controlled shutdown against it.
 *
 * So the process the terminal started (the front) re-runs the same command detached, as the
 * supervisor (GREGOR_DEV_CLUSTER_SUPERVISOR=1 in its environment), sharing stdin/stdout/stderr;
 * the front forwards SIGINT, SIGTERM and SIGHUP to the supervisor and exits with its exit code.
 * The supervisor alone starts and stops the cluster, and treats the front's disappearance (it
 * was SIGKILLed) like SIGTERM.
 */
import { spawn } from 'child_process';

const SUPERVISOR_ENV = 'GREGOR_DEV_CLUSTER_SUPERVISOR';
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const FRONT_CHECK_MS = 1000;

/**
 * In the front process: starts the supervisor and returns true (the caller does nothing else;
 * this process exits when the supervisor does). In the supervisor: returns false.
 */
export function reexecInOwnProcessGroup(): boolean {
  if (process.env[SUPERVISOR_ENV] === '1') return false;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: 'inherit',
    env: { ...process.env, [SUPERVISOR_ENV]: '1' },
  });
  for (const sig of FORWARDED) {
    process.on(sig, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    });
  }
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  child.once('error', (e) => {
    process.stderr.write(`gregor dev-cluster: could not start the supervisor: ${e.message}\n`);
    process.exit(1);
  });
  return true;
}

/** In the supervisor: calls `onGone` once the front process has gone (checked every second). */
export function watchFrontProcess(onGone: () => void): void {
  const front = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === front) return;
    clearInterval(timer);
    onGone();
  }, FRONT_CHECK_MS);
  timer.unref();
}
