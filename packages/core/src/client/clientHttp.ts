/**
 * The HTTP client under the SDK's client (`connect`, `HakuRiverClient.layer`): undici's
 * dispatcher, the HTTP client `fetch` itself runs on in Node, called directly. Without fetch's
 * `Request`/`Response` objects a call costs about half the client CPU (submit + wait of a trivial
 * task: ~2 ms instead of ~4–6 ms), which is client latency too. It uses undici's global
 * dispatcher, as `fetch` does, so a proxy agent set with `setGlobalDispatcher` still applies.
 *
 * The module is loaded on the first call, so importing the SDK does not load undici. Programs on
 * another runtime build the client with `HakuRiverClient.make` and their own `HttpClient` (for
 * example `FetchHttpClient.layer`).
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * An `HttpClient` on undici's global dispatcher.
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.unwrapEffect(
  Effect.map(
    Effect.promise(() => import("@effect/platform-node/NodeHttpClient")),
    (node) => node.layerUndiciWithoutDispatcher.pipe(Layer.provide(node.dispatcherLayerGlobal))
  )
)
