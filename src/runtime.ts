/**
 * V8 flags every Herald process runs with: `bin/herald.js`'s shebang (so `npx herald …` and the
 * Procfile), `npm start`, and the benchmarks' processes. A test keeps those in step with this list.
 *
 * `--max-semi-space-size=32`: a young generation of 32 MB per semi-space instead of V8's 16 MB.
 * A fan-out allocates a lot of short-lived objects (SDK requests, rendered messages, rows); with
 * the default, the scavenger ran so often that it promoted them and garbage collection took 11 %
 * of a worker's CPU. Measured on 2 cores: a burst of 20,000 deliveries went from 856-910 to
 * 1,069-1,100 deliveries/s, for 30-40 MB more peak RSS.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
