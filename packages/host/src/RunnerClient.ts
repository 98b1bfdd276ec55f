/**
 * Clients of the runners' API, derived from the RunnerApi contract, carrying the shared token.
 *
 * @since 0.1.0
 */
import * as HttpApiClient from "@effect/platform/HttpApiClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { RunnerApi } from "@hakuriver/sdk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { HostConfig } from "./HostConfig.js"

/** The typed client of one runner. @category models */
export type RunnerClient = Effect.Effect.Success<ReturnType<typeof makeClient>>

const makeClient = (httpClient: HttpClient.HttpClient, baseUrl: string, token: string) =>
  HttpApiClient.makeWith(RunnerApi, {
    baseUrl,
    httpClient:
      token === "" ? httpClient : httpClient.pipe(HttpClient.mapRequest(HttpClientRequest.bearerToken(token)))
  })

/**
 * Gives the client of the runner at a URL.
 * @category services
 */
export class RunnerClients extends Context.Tag("@hakuriver/host/RunnerClients")<
  RunnerClients,
  { readonly at: (url: string) => Effect.Effect<RunnerClient> }
>() {}

/**
 * Runner clients over the `HttpClient` in context.
 * @category layers
 */
export const layer: Layer.Layer<RunnerClients, never, HttpClient.HttpClient | HostConfig> = Layer.effect(
  RunnerClients,
  Effect.gen(function* () {
    const httpClient = yield* HttpClient.HttpClient
    const config = yield* HostConfig
    // one client per runner URL: deriving a client reflects the whole RunnerApi (≈7 ms a call here)
    const made = new Map<string, RunnerClient>()
    return {
      at: (url: string) => {
        const known = made.get(url)
        return known !== undefined
          ? Effect.succeed(known)
          : Effect.tap(makeClient(httpClient, url, config.security.token), (client) =>
              Effect.sync(() => made.set(url, client))
            )
      }
    }
  })
)
