/**
 * V8 flags the broker runs with when it is its own process: the `gregor` bin (its shebang),
 * `npm start`, the Dockerfile and the benchmarks, as Kafka's launcher sets the JVM heap options.
 * tests/broker/node-flags.test.ts checks that those places agree with this list.
 *
 * --initial-old-space-size=64 gives V8's old-generation allocation limit a floor of 64 MiB.
 * The broker's live heap is ~10 MiB; without a floor V8 puts the limit just above it, and under
 * produce load (short-lived objects per request next to 1 MiB of external buffers) it then ran
 * a full mark-compact about every 50 ms: 11-51 of them per 600 MB produced, which cost 10-45%
 * of the broker's CPU in the measurements (BENCHMARKS.md). With the floor there were none, for
 * at most 64 MiB more resident memory.
 *
 * An in-process broker (startBroker) runs with its host process's flags.
 */
export const BROKER_NODE_FLAGS: readonly string[] = Object.freeze(['--initial-old-space-size=64']);
