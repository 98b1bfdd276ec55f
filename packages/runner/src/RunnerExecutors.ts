/**
 * The executors of a runner built from the configuration: Docker (when the engine can be
 * reached), systemd and the plain process executor. Which of them works is decided per task by
 * their `available` check and `[runner] executor`.
 *
 * @since 0.1.0
 */
import * as path from "node:path"
import type { ExecutorKind, HakuRiverConfig } from "@hakuriver/sdk"
import {
  DockerExecutor,
  type Executor,
  Executors,
  ProcessExecutor,
  SystemdExecutor
} from "@hakuriver/sdk/executor"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * Options of the executors.
 * @category models
 */
export interface RunnerExecutorsOptions {
  readonly node: string
  /** The runner's state folder; the process executor keeps its pid files under it. */
  readonly stateDir: string
}

/**
 * Builds the map of executors. A configuration that forces one kind gets only that kind (and the
 * process executor, the fallback of last resort).
 * @category constructors
 */
export const make = (config: HakuRiverConfig, options: RunnerExecutorsOptions) =>
  Effect.gen(function* () {
    const setting = config.runner.executor
    const wanted = (kind: ExecutorKind) => setting === "auto" || setting === kind || kind === "process"
    const map = new Map<ExecutorKind, Executor>()
    if (wanted("docker")) {
      yield* DockerExecutor.make(DockerExecutor.optionsFromConfig(config, options.node)).pipe(
        Effect.tap((docker) => Effect.sync(() => map.set("docker", docker))),
        Effect.catchAll((e) => Effect.logWarning(`Docker executor disabled: ${e.message}`))
      )
    }
    if (wanted("systemd")) map.set("systemd", SystemdExecutor.fromConfig(config))
    map.set("process", ProcessExecutor.make({ stateDir: path.join(options.stateDir, "process") }))
    return map as ReadonlyMap<ExecutorKind, Executor>
  })

/**
 * The executors as the `Executors` service.
 * @category layers
 */
export const layer = (config: HakuRiverConfig, options: RunnerExecutorsOptions): Layer.Layer<Executors> =>
  Layer.effect(Executors, make(config, options))
