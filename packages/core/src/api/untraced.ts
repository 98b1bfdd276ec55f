/**
 * Servers of the cluster (host, runner) without tracing spans. No tracer exporter is configured,
 * so the spans of every request (the server's, each `Effect.fn`'s, each HTTP client call's) were
 * built for nobody: about an eighth of the CPU of a small request such as a heartbeat.
 *
 * @since 0.1.0
 */
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"

/**
 * Builds `layer` with tracing off: no span per request on its HTTP servers and clients, and no
 * span for the effects it runs. Errors keep where they were raised.
 * @category layers
 */
export const untraced = <A, E, R>(layer: Layer.Layer<A, E, R>): Layer.Layer<A, E, R> =>
  layer.pipe(
    HttpMiddleware.withTracerDisabledWhen(() => true),
    Layer.locally(FiberRef.currentTracerEnabled, false)
  )
