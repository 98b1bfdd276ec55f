/**
 * The runner's client of the host: `HttpApiClient` derived from the `HostApi` contract, with the
 * shared bearer token on every request.
 *
 * @since 0.1.0
 */
import * as HttpApiClient from "@effect/platform/HttpApiClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { HostApi } from "@hakuriver/sdk"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * Where the host is and how to prove we belong to the cluster.
 * @category models
 */
export interface HostClientOptions {
  /** e.g. `http://127.0.0.1:8000` */
  readonly baseUrl: string
  /** The shared token; empty = none. */
  readonly token: string
}

const makeClient = (options: HostClientOptions) =>
  HttpApiClient.make(HostApi, {
    baseUrl: options.baseUrl,
    transformClient: (client) =>
      options.token === ""
        ? client
        : HttpClient.mapRequest(client, HttpClientRequest.bearerToken(options.token))
  })

/**
 * The typed client of the host API.
 * @category models
 */
export type HostApiClient = Effect.Effect.Success<ReturnType<typeof makeClient>>

/**
 * The host client service.
 * @category tags
 */
export class HostClient extends Context.Tag("@hakuriver/runner/HostClient")<HostClient, HostApiClient>() {}

/**
 * The host client; needs an `HttpClient` (e.g. `NodeHttpClient.layerUndici`).
 * @category layers
 */
export const layer = (options: HostClientOptions): Layer.Layer<HostClient, never, HttpClient.HttpClient> =>
  Layer.effect(HostClient, makeClient(options))
