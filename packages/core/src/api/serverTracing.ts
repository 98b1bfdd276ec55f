/**
 * Tracing of the cluster's servers (host, runner). With no tracer to export to, the spans of every
 * request (the server's, each `Effect.fn`'s, each HTTP client call's) were built for nobody: about
 * an eighth of the CPU of a small request such as a heartbeat. So a server traces nothing, unless
 * a {@link SpanFile} is provided: then every span goes to that file.
 *
 * @since 0.1.0
 */
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { SpanFile } from "./SpanFile.js"

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

/**
 * Builds a server's `layer` {@link untraced}, or, when a {@link SpanFile} is in the context it is
 * built in, with every span written to that file.
 * @category layers
 */
export const serverTracing = <A, E, R>(layer: Layer.Layer<A, E, R>): Layer.Layer<A, E, R> =>
  Layer.unwrapEffect(
    Effect.map(Effect.serviceOption(SpanFile), (spanFile) =>
      Option.isNone(spanFile) ? untraced(layer) : Layer.provide(layer, Layer.setTracer(spanFile.value.tracer))
    )
  )
