/**
 * ControllerEventQueue: the controller's single serialized event loop (Kafka's
 * ControllerEventManager). Store events, API calls, timers and broker answers are all events.
 *
 * Invariants:
 * - Events run one at a time, in the order they were put, each to completion (including its
 *   awaits) before the next starts.
 * - An event bound to a controllership (`activation`) is dropped when that controllership has
 *   ended by the time it would run: work queued before a resignation, and answers arriving
 *   after it, never act. Unbound events (elections, API calls) always run.
 * - An event's failure is reported to `onError` and never stops the loop.
 */

export interface ControllerEvent {
  readonly name: string;
  /** The controllership the event belongs to; undefined when it is not bound to one. */
  readonly activation?: number;
  run(): Promise<void>;
}

export class ControllerEventQueue {
  private readonly pending: ControllerEvent[] = [];
  /** True while the loop runs; set and cleared synchronously (the loop may finish without awaiting). */
  private busy = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly isActivationCurrent: (activation: number) => boolean,
    private readonly onError: (event: ControllerEvent, e: unknown) => void,
  ) {}

  put(event: ControllerEvent): void {
    this.pending.push(event);
    if (!this.busy) {
      this.busy = true;
      this.running = this.loop();
    }
  }

  /** Resolves when the events queued so far have run. */
  async idle(): Promise<void> {
    await this.running;
  }

  private async loop(): Promise<void> {
    try {
      for (let e = this.pending.shift(); e; e = this.pending.shift()) {
        if (e.activation !== undefined && !this.isActivationCurrent(e.activation)) continue;
        try {
          await e.run();
        } catch (err) {
          this.onError(e, err);
        }
      }
    } finally {
      this.busy = false;
    }
  }
}
