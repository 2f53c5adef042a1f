/**
 * Preloaded (`node --require .../parent-watch.js`) into broker processes a dev cluster starts:
 * when the process that started the broker is gone (its parent pid changed, i.e. it was
 * re-parented), the broker SIGKILLs itself, so a test runner killed with SIGKILL leaves no
 * broker behind. Checked once a second on an unref'd timer (it never keeps the broker alive).
 * It runs inside the broker's own process: the broker's pid is what kill -9 and SIGSTOP reach.
 */
const parentAtStart = process.ppid;
const CHECK_INTERVAL_MS = 1000;

setInterval(() => {
  if (process.ppid !== parentAtStart) process.kill(process.pid, 'SIGKILL');
}, CHECK_INTERVAL_MS).unref();
export {};
