/** Delayed removal of `.deleted` files (file.delete.delay.ms), through the injectable clock. */
import * as fs from 'fs';
import { Clock } from './clock';

/**
 * After `delayMs`, runs `beforeRemove` (e.g. close the segment's fd; in-flight reads on it
 * finish first because they hold the fd) and unlinks `files`.
 */
export function fsRemoveLater(clock: Clock, files: readonly string[], delayMs: number, beforeRemove?: () => Promise<void>): void {
  const run = async (): Promise<void> => {
    if (beforeRemove) await beforeRemove().catch(() => undefined);
    await Promise.all(files.map((f) => fs.promises.rm(f, { force: true }).catch(() => undefined)));
  };
  if (delayMs <= 0) {
    void run();
    return;
  }
  const t = clock.setTimeout(() => void run(), delayMs);
  const maybe = t as { unref?: () => void };
  if (typeof maybe?.unref === 'function') maybe.unref();
}
