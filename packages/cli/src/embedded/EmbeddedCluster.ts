/**
 * The embedded cluster behind `hakuriver up`: a host and one local runner in one process, with
 * the database, shared dir and temp dir inside one data dir (`~/.hakuriver` by default).
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { type HakuRiverConfig, HakuRiverClient, hostUrlOf, type NodeView } from "@hakuriver/sdk"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import { CliFailure, ExitCode } from "../CliFailure.js"
import { freePort } from "./freePort.js"

/**
 * How to run the embedded cluster. Everything not given keeps the value of `base`.
 * @category models
 */
export interface EmbeddedOptions {
  /** The configuration to start from (ports, timing, token, docker, …). */
  readonly base: HakuRiverConfig
  /** Holds `hakuriver.db`, `shared/` and `temp/`; default `~/.hakuriver`. */
  readonly dataDir?: string | undefined
  /** The host port; 0 picks a free one. Default: `network.host_port`. */
  readonly port?: number | undefined
  /** The address the host and runner listen on; default 127.0.0.1 (this machine only). */
  readonly bindIp?: string | undefined
  /** `auto` (Docker when an engine answers, else systemd, else a plain process) or one of them. */
  readonly executor?: HakuRiverConfig["runner"]["executor"] | undefined
}

/**
 * The configuration of the embedded cluster: paths inside the data dir, a host on a known port,
 * the runner on a free port, both reached through loopback unless `bindIp` says otherwise.
 * @category constructors
 */
export const embeddedConfig = (options: EmbeddedOptions): Effect.Effect<HakuRiverConfig, CliFailure> =>
  Effect.gen(function* () {
    const dataDir = path.resolve(options.dataDir ?? path.join(os.homedir(), ".hakuriver"))
    const bindIp = options.bindIp ?? "127.0.0.1"
    const reach = bindIp === "0.0.0.0" || bindIp === "::" ? "127.0.0.1" : bindIp
    const wanted = options.port ?? options.base.network.host_port
    const probeHost = bindIp === "0.0.0.0" || bindIp === "::" ? undefined : bindIp
    const noPort = (e: Error) =>
      new CliFailure({ message: `cannot find a free port: ${e.message}`, exitCode: 1 })
    const hostPort = wanted === 0 ? yield* Effect.mapError(freePort(probeHost), noPort) : wanted
    const runnerPort = yield* Effect.mapError(freePort(probeHost), noPort)
    const shared = path.join(dataDir, "shared")
    const temp = path.join(dataDir, "temp")
    yield* Effect.try({
      try: () => {
        for (const dir of [dataDir, shared, temp]) fs.mkdirSync(dir, { recursive: true })
      },
      catch: (e) =>
        new CliFailure({
          message: `cannot create the data dir ${dataDir}: ${String(e)}`,
          exitCode: ExitCode.usage
        })
    })
    const base = options.base
    return {
      ...base,
      network: {
        ...base.network,
        host_bind_ip: bindIp,
        host_port: hostPort,
        host_reachable_address: reach,
        runner_bind_ip: bindIp,
        runner_address: reach,
        runner_port: runnerPort
      },
      paths: { ...base.paths, shared_dir: shared, local_temp_dir: temp },
      database: { db_file: path.join(dataDir, "hakuriver.db") },
      runner: { ...base.runner, executor: options.executor ?? base.runner.executor }
    } satisfies HakuRiverConfig
  })

/**
 * The host and one runner of a configuration, in one layer. Each is built on its own (its own
 * memo map, so that the two `HttpApiBuilder` servers do not share one router), the host first:
 * a host that cannot start (a port in use) fails before the runner starts, and the runner
 * registers at once.
 * @category layers
 */
export const layer = (config: HakuRiverConfig) =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      // loaded on demand, so that client commands start fast
      const [{ Host }, { Runner }] = yield* Effect.promise(() =>
        Promise.all([import("@hakuriver/host"), import("@hakuriver/runner")])
      )
      yield* Layer.build(Host.layer(config))
      yield* Layer.build(Runner.layer(config))
    })
  )

/**
 * Waits until the local runner has registered with the host (at most `timeout`) and returns it.
 * @category waiting
 */
export const awaitRunner = (config: HakuRiverConfig, timeout: Duration.DurationInput = "60 seconds") =>
  Effect.gen(function* () {
    const client = yield* HakuRiverClient
    return yield* client.nodes().pipe(
      Effect.flatMap((nodes) => {
        const online = nodes.find((n: NodeView) => n.status === "online")
        return online === undefined ? Effect.fail("not yet" as const) : Effect.succeed(online)
      }),
      Effect.retry(Schedule.spaced("100 millis")),
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () =>
          new CliFailure({ message: "the local runner did not register with the host in time", exitCode: 1 })
      })
    )
  }).pipe(Effect.provide(HakuRiverClient.layer({ url: hostUrlOf(config), token: config.security.token })))

/**
 * A running embedded cluster, for scripts (the demo, tests of the examples).
 * @category models
 */
export interface RunningCluster {
  /** The host's URL (give it to `connect({ url })` or `HAKURIVER_URL`). */
  readonly url: string
  /** The configuration it runs with. */
  readonly config: HakuRiverConfig
  /** The local runner, as the host lists it. */
  readonly node: NodeView
  /** Stops the runner and the host (running tasks are stopped with them). */
  readonly stop: () => Promise<void>
}

/**
 * Starts the embedded cluster and resolves once the local runner is registered; rejects with a
 * {@link CliFailure} when it cannot start. `quiet` hides the host's and runner's info logs.
 * @category running
 * @example
 * const cluster = await start({ base: defaultConfig, dataDir: "/tmp/hr", port: 0, quiet: true })
 * const { taskIds } = await connect({ url: cluster.url }).submit({ command: ["echo", "hi"] })
 * await cluster.stop()
 */
export const start = async (
  options: EmbeddedOptions & { readonly quiet?: boolean | undefined }
): Promise<RunningCluster> => {
  const scope = Effect.runSync(Scope.make())
  const level = options.quiet === true ? Logger.minimumLogLevel(LogLevel.Warning) : Layer.empty
  const stop = () => Effect.runPromise(Scope.close(scope, Exit.void))
  const exit = await Effect.runPromiseExit(
    Effect.gen(function* () {
      const config = yield* embeddedConfig(options)
      yield* Layer.buildWithScope(Layer.provide(layer(config), level), scope)
      const node = yield* awaitRunner(config)
      return { url: hostUrlOf(config), config, node, stop } satisfies RunningCluster
    })
  )
  if (Exit.isSuccess(exit)) return exit.value
  await stop()
  const failure =
    exit.cause._tag === "Fail"
      ? exit.cause.error
      : new CliFailure({ message: String(exit.cause), exitCode: 1 })
  return Promise.reject(failure)
}
