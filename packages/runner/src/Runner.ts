/**
 * The runner as one layer: the `RunnerApi` server on `runner_bind_ip:runner_port`, the probe,
 * the task supervisor with its status outbox, and the link to the host (registration and
 * heartbeats). `hakuriver runner` launches it; `hakuriver up` embeds it next to the host.
 *
 * @since 0.1.0
 * @example
 * import { Runner } from "@hakuriver/runner"
 * import { loadConfig } from "@hakuriver/sdk"
 * import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
 * import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
 *
 * Effect.flatMap(loadConfig(), (config) => Layer.launch(Runner.layer(config))).pipe(NodeRuntime.runMain)
 */
import * as os from "node:os"
import * as path from "node:path"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import {
  authorizationLayer,
  clusterServer,
  Exposure,
  type HakuRiverConfig,
  InvalidInput,
  NodeName,
  RunnerApi,
  routeNotFoundAsJson,
  serverTracing
} from "@hakuriver/sdk"
import type { Executors } from "@hakuriver/sdk/executor"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as HostClient from "./HostClient.js"
import * as HostLink from "./HostLink.js"
import * as Probe from "./probe/Probe.js"
import * as RunnerExecutors from "./RunnerExecutors.js"
import { InfoLive, TasksLive } from "./RunnerHttp.js"
import * as RunnerIdentity from "./RunnerIdentity.js"
import * as StatusOutbox from "./StatusOutbox.js"
import * as TaskSupervisor from "./TaskSupervisor.js"

/**
 * The node name and the node-local state folder of a runner.
 * @category models
 */
export interface RunnerPaths {
  /** `[network] runner_name`, or the host name. */
  readonly name: NodeName
  /** `local_temp_dir/hakuriver-runner/NAME`: outbox, active tasks, pid files. */
  readonly stateDir: string
}

/**
 * The node name and state folder of the configuration.
 * @category constructors
 */
export const pathsOf = (config: HakuRiverConfig): Either.Either<RunnerPaths, InvalidInput> => {
  const input = config.network.runner_name === "" ? os.hostname() : config.network.runner_name
  return Either.match(Schema.decodeUnknownEither(NodeName)(input), {
    onLeft: () =>
      Either.left(
        new InvalidInput({
          what: "runner name",
          input,
          reason: "use 1-63 letters, digits, '.', '_' or '-' ([network] runner_name)"
        })
      ),
    onRight: (name) =>
      Either.right({ name, stateDir: path.join(config.paths.local_temp_dir, "hakuriver-runner", name) })
  })
}

/** The host URL runners talk to: `http://host_reachable_address:host_port`. */
export const hostUrlOf = (config: HakuRiverConfig): string => {
  const address = config.network.host_reachable_address
  const host = address.includes(":") && !address.startsWith("[") ? `[${address}]` : address
  return `http://${host}:${config.network.host_port}`
}

/**
 * Why a runner could not start.
 * @category errors
 */
export type RunnerStartError = InvalidInput | HttpServerError.ServeError

/**
 * The runner with the executors it is given (tests and embedders choose them).
 * @category layers
 */
export const layerWith = (config: HakuRiverConfig): Layer.Layer<never, RunnerStartError, Executors> =>
  Layer.unwrapEffect(
    Effect.map(pathsOf(config), ({ name, stateDir }) => {
      const token = config.security.token
      const server = NodeHttpServer.layer(clusterServer(config), {
        host: config.network.runner_bind_ip,
        port: config.network.runner_port
      })
      const hostClient = HostClient.layer({ baseUrl: hostUrlOf(config), token }).pipe(
        Layer.provide(NodeHttpClient.layerUndici)
      )
      const supervisor = TaskSupervisor.layer({
        sharedDir: config.paths.shared_dir,
        localTempDir: config.paths.local_temp_dir,
        executor: config.runner.executor,
        stateFile: path.join(stateDir, "active-tasks.json")
      }).pipe(Layer.provide(StatusOutbox.layer({ file: path.join(stateDir, "outbox.json"), node: name })))
      const services = RunnerIdentity.layer(name, config.network.runner_address).pipe(
        Layer.provideMerge(supervisor),
        Layer.provideMerge(Layer.merge(hostClient, Probe.layer(config))),
        Layer.provideMerge(server)
      )
      const api = HttpApiBuilder.api(RunnerApi).pipe(
        Layer.provide([TasksLive, InfoLive, authorizationLayer(token)])
      )
      const http = HttpApiBuilder.serve().pipe(Layer.provide(api), Layer.provide(routeNotFoundAsJson))
      // Serve first, then register: the host may send a task as soon as it knows us.
      const link = HostLink.layer({ heartbeatInterval: Duration.seconds(config.timing.heartbeat_interval) })
      return Layer.flatMap(http, () => link).pipe(
        Layer.provide(services),
        Layer.merge(Exposure.warnLayer("runner", config.network.runner_bind_ip, token)),
        serverTracing
      )
    })
  )

/**
 * The runner of a configuration, with the executors of {@link RunnerExecutors}.
 * @category layers
 */
export const layer = (config: HakuRiverConfig): Layer.Layer<never, RunnerStartError> =>
  Layer.unwrapEffect(
    Effect.map(pathsOf(config), (paths) =>
      layerWith(config).pipe(
        Layer.provide(RunnerExecutors.layer(config, { node: paths.name, stateDir: paths.stateDir }))
      )
    )
  )
