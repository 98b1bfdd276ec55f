/**
 * Parameter sweeps: span syntax, Cartesian expansion and local runs (the engine of `hakurun`).
 *
 * @since 0.1.0
 */
export * from "./expand.js"
export * from "./LocalRun.js"
export * from "./Span.js"
