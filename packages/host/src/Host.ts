/**
 * The host as a Layer: store, scheduler queue, dispatcher, node monitor and the HostApi server
 * (with its OpenAPI document at `/openapi.json` and a reference page at `/docs`).
 *
 * - `Host.layer(config)` serves on `network.host_bind_ip:host_port` (port 0 picks a free port;
 *   `Host.address` / `Host.url` tell which).
 * - `Host.layerWithoutServer(config)` is the same on the `HttpServer` in context (for example
 *   `NodeHttpServer.layerTest`, or a server shared with other routes).
 * - `Host.services(config)` is the host without HTTP, for programs that drive it directly.
 *
 * Extra routes (the terminal WebSocket, the dashboard) are Layers built with
 * `HttpApiBuilder.Router.use(...)`; they join in `routes`.
 *
 * @since 0.1.0
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import {
  authorizationLayer,
  clusterServer,
  Exposure,
  type HakuRiverConfig,
  HostApi,
  routeNotFoundAsJson,
  serverTracing
} from "@hakuriver/sdk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ApiReference from "./docs/ApiReference.js"
import * as DashboardHost from "./dashboard/DashboardHost.js"
import * as Dispatcher from "./Dispatcher.js"
import { DockerGroupLive } from "./env/DockerHttp.js"
import { EnvBootstrapLive } from "./env/EnvBootstrap.js"
import * as HostConfig from "./HostConfig.js"
import { ClusterHttpLive } from "./http/ClusterHttp.js"
import { RunnersHttpLive } from "./http/RunnersHttp.js"
import { TasksHttpLive } from "./http/TasksHttp.js"
import * as Logs from "./Logs.js"
import * as NodeMonitor from "./NodeMonitor.js"
import * as Placer from "./Placer.js"
import * as RunnerClient from "./RunnerClient.js"
import * as ReadsFirst from "./ReadsFirst.js"
import * as RequestBody from "./security/RequestBody.js"
import * as Store from "./Store.js"
import * as Submission from "./Submission.js"
import { TaskEvents } from "./TaskEvents.js"
import * as Waiter from "./Waiter.js"

/**
 * The host's services without HTTP: Store, TaskEvents, Dispatcher, Placer, NodeMonitor,
 * Submission, Waiter, Logs and HostConfig. Background loops (placement, offline checks) run for
 * the lifetime of the layer. It needs a `FileSystem` (e.g. `NodeContext.layer`) for the logs.
 * @category layers
 */
export const services = (config: HakuRiverConfig) => {
  const base = Layer.mergeAll(HostConfig.layer(config), TaskEvents.Default)
  const store = Store.sqlite(config.database.db_file)
  // the runners' client stays private: the HttpClient in the caller's context is not replaced
  const dispatch = Dispatcher.layer.pipe(
    Layer.provide(RunnerClient.layer.pipe(Layer.provide(NodeHttpClient.layerUndici)))
  )
  return Layer.mergeAll(NodeMonitor.layer, Submission.layer, Waiter.layer, Logs.layer).pipe(
    Layer.provideMerge(Placer.layer),
    Layer.provideMerge(dispatch),
    Layer.provideMerge(store),
    Layer.provideMerge(base)
  )
}

/**
 * The HostApi implementation (every group, behind the bearer token of `[security] token`).
 * @category layers
 */
export const api = (config: HakuRiverConfig) =>
  HttpApiBuilder.api(HostApi).pipe(
    Layer.provide([RunnersHttpLive, TasksHttpLive, ClusterHttpLive, DockerGroupLive(config)]),
    Layer.provide(authorizationLayer(config.security.token))
  )

/**
 * Routes beside the typed API: the OpenAPI document and its reference page. Other features (the
 * terminal, the dashboard) add their `HttpApiBuilder.Router.use(...)` layers here.
 * @category layers
 */
export const routes = (config: HakuRiverConfig) =>
  Layer.mergeAll(
    HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" }),
    ApiReference.layer("/docs"),
    DashboardHost.layer(config),
    RequestBody.layer(),
    routeNotFoundAsJson
  )

/**
 * The host on the `HttpServer` in context.
 * @category layers
 */
export const layerWithoutServer = (config: HakuRiverConfig) =>
  HttpApiBuilder.serve(ReadsFirst.requestPriority).pipe(
    Layer.provide(routes(config)),
    Layer.provide(api(config)),
    Layer.provideMerge(ReadsFirst.atWritePriority(services(config))),
    Layer.merge(EnvBootstrapLive(config))
  )

/**
 * The host serving on `network.host_bind_ip:host_port`.
 * @category layers
 * @example
 * Layer.launch(Host.layer(config)).pipe(NodeRuntime.runMain)
 */
export const layer = (config: HakuRiverConfig) =>
  layerWithoutServer(config).pipe(
    Layer.provideMerge(
      NodeHttpServer.layer(clusterServer(config), {
        port: config.network.host_port,
        host: config.network.host_bind_ip
      })
    ),
    Layer.merge(Exposure.warnLayer("host", config.network.host_bind_ip, config.security.token)),
    serverTracing,
    ReadsFirst.onTurnScheduler()
  )

/**
 * The address the host's server is bound to.
 * @category accessors
 */
export const address: Effect.Effect<HttpServer.Address, never, HttpServer.HttpServer> = Effect.map(
  HttpServer.HttpServer,
  (server) => server.address
)

/**
 * The base URL of the host's server (`http://127.0.0.1:PORT` when bound to all interfaces).
 * @category accessors
 */
export const url: Effect.Effect<string, never, HttpServer.HttpServer> = Effect.map(address, (a) => {
  if (a._tag === "UnixAddress") return `http+unix://${a.path}`
  const host = a.hostname === "0.0.0.0" || a.hostname === "::" ? "127.0.0.1" : a.hostname
  return `http://${host.includes(":") ? `[${host}]` : host}:${a.port}`
})
