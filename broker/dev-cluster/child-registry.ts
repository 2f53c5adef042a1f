/**
 * The OS processes a dev cluster started and has not yet seen exit, by pid. None of them may
 * outlive this process:
 * - on this process's 'exit' every tracked pid gets SIGKILL (synchronously: 'exit' runs no
 *   asynchronous work);
 * - on SIGINT / SIGTERM / SIGHUP, when nothing else in this process handles that signal, every
 *   tracked pid gets SIGKILL and the signal is raised again with the default action (so this
 *   process still dies of it). A process that handles the signal itself (the `gregor
 *   dev-cluster` CLI stops its brokers gracefully) keeps that behaviour, and 'exit' remains the
 *   backstop;
 * - a broker started with parent-watch.js as a preload also SIGKILLs itself once its parent is
 *   gone (this process killed with SIGKILL, which runs no handler).
 * SIGKILL also ends a process stopped with SIGSTOP.
 */

const live = new Map<number, string>();
let installed = false;

function killAll(): void {
  for (const pid of live.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const sig of CLEANUP_SIGNALS) {
    const onSignal = (): void => {
      // Only this listener: the default action (death) was replaced by it, so restore it.
      if (process.listenerCount(sig) !== 1) return;
      killAll();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** Tracks `pid` until the returned function is called (when the process has exited). */
export function trackChild(pid: number, what: string): () => void {
  install();
  live.set(pid, what);
  return () => {
    live.delete(pid);
  };
}

/** The tracked processes, `pid -> description` (for diagnostics). */
export function trackedChildren(): ReadonlyMap<number, string> {
  return live;
}
