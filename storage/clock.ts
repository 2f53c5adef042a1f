/**
 * Injectable time source. Everything in storage/ (and the coordinator/broker) reads time and
 * schedules timers through a Clock so tests can drive time with a fake.
 */
/** Opaque timer handle returned by Clock.setTimeout. */
export type Timer = unknown;

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(t: Timer): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
};
