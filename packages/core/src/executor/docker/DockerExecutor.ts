/**
 * The Docker executor: runs a task in a fresh container from `hakuriver/ENV:base` through
 * dockerode, after {@link EnvSync} has made that image match the newest tarball of ENV.
 *
 * The container carries the labels `hakuriver.task_id` and `hakuriver.managed=true` (and
 * `hakuriver.node` when a node name is given), NanoCpus from the cores, Memory and MemorySwap in
 * exact bytes, DeviceRequests for GPU ids, CpusetCpus/CpusetMems for a NUMA target, the shared dir
 * at `/shared` (the working dir) and the local temp dir at `/local_temp`. Its stdout and stderr are
 * demultiplexed into the task's log files. Kill, pause and resume are `docker kill`, `pause` and
 * `unpause`. Closing the run's scope removes the container (after `wait` has read its result);
 * a restarted runner finds survivors by label and re-attaches with `recover`.
 *
 * @since 0.1.0
 */
import * as os from "node:os"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { HakuRiverConfig } from "../../config/index.js"
import type { EnvName, TaskId } from "../../domain/index.js"
import * as EnvSync from "../../env/EnvSync.js"
import * as TarballStore from "../../env/TarballStore.js"
import {
  type ExecRequest,
  type Execution,
  type Executor,
  ExecutorError,
  type ExitResult,
  type TaskHandle
} from "../Executor.js"
import * as ContainerLogs from "./containerLogs.js"
import { type ContainerSettings, containerSpec, labels } from "./containerSpec.js"
import * as DockerEngine from "./DockerEngine.js"

/**
 * Options of the Docker executor: where the engine and the tarballs are, and the node's Docker
 * settings.
 * @category models
 */
export interface DockerExecutorOptions extends DockerEngine.DockerEngineOptions {
  /** The tarball folder, `shared_dir/container_dir`. */
  readonly tarballDir: string
  /** `[docker] network`; default `host`. */
  readonly network?: string | undefined
  /** `[docker] additional_mounts`. */
  readonly additionalMounts?: ReadonlyArray<string> | undefined
  /** The runner's node name: labels its containers, and `survivors` lists only those. */
  readonly node?: string | undefined
  /** A sync service to share (e.g. with other executors); one is made over `tarballDir` if absent. */
  readonly envSync?: EnvSync.EnvSync | undefined
}

/**
 * The options from a configuration (paths already expanded, as `loadConfig` returns them).
 * @category constructors
 */
export const optionsFromConfig = (config: HakuRiverConfig, node?: string): DockerExecutorOptions => ({
  tarballDir: TarballStore.dirOf(config),
  network: config.docker.network,
  additionalMounts: config.docker.additional_mounts,
  ...(node === undefined ? {} : { node })
})

const fail = (reason: ExecutorError["reason"], detail: string) =>
  new ExecutorError({ executor: "docker", reason, detail })

const fromDocker = (what: string) => (f: DockerEngine.DockerFailure) =>
  fail(
    f.unavailable ? "Unavailable" : DockerEngine.hasStatus(f, 404) ? "NotFound" : "Failed",
    `${what}: ${f.detail}`
  )

const signalNames = new Map<number, string>(
  Object.entries(os.constants.signals).map(([name, n]) => [n, name] as const)
)

/** An exit code above 128 names the signal that ended the process (137 = SIGKILL). */
const signalOf = (exitCode: number): string | undefined =>
  exitCode > 128 ? signalNames.get(exitCode - 128) : undefined

/**
 * Makes the Docker executor. Nothing is sent to the engine until it is used; a malformed
 * `DOCKER_HOST` fails here.
 * @category constructors
 */
export const make = (options: DockerExecutorOptions): Effect.Effect<Executor, ExecutorError> =>
  Effect.gen(function* () {
    const engine = yield* DockerEngine.make(options).pipe(Effect.mapError(fromDocker("connect")))
    // (No `??` around `yield*`: the CJS build rewrites `??` into a closure.)
    const envSync =
      options.envSync !== undefined
        ? options.envSync
        : yield* EnvSync.make({ store: TarballStore.make(options.tarballDir), engine })
    const settings: ContainerSettings = {
      network: options.network ?? "host",
      additionalMounts: options.additionalMounts ?? [],
      node: options.node
    }

    const container = (id: string) => engine.docker.getContainer(id)

    const removeContainer = (id: string) =>
      engine
        .call(`remove container ${id}`, () => container(id).remove({ force: true, v: true }))
        .pipe(
          Effect.catchAll((f) =>
            DockerEngine.hasStatus(f, 404, 409) ? Effect.void : Effect.logWarning(f.message)
          ),
          Effect.withSpan("DockerExecutor.remove", { attributes: { container: id } })
        )

    /** Wires an Execution to a container whose logs go to `logs`. */
    const attach = (
      handle: TaskHandle,
      logs: ExecRequest["logs"],
      cutoff: ContainerLogs.LogCutoff | undefined
    ): Effect.Effect<Execution, never, Scope.Scope> =>
      Effect.gen(function* () {
        const id = handle.ref
        const logFiber = yield* ContainerLogs.follow(engine, id, logs, cutoff).pipe(Effect.forkScoped)
        const wait: Effect.Effect<ExitResult, ExecutorError> = yield* Effect.cached(
          Effect.gen(function* () {
            const waited: { readonly StatusCode?: number } = yield* engine
              .call(`wait for ${id}`, () => container(id).wait())
              .pipe(Effect.mapError(fromDocker(`task ${handle.taskId}`)))
            const logExit = yield* Fiber.await(logFiber)
            // a task that exited 0 was not killed and the engine saw no error: the inspect (an
            // engine round trip per task) is only needed to tell why a task ended otherwise
            const state =
              waited.StatusCode === 0
                ? { ExitCode: 0, OOMKilled: false, Error: "" }
                : (yield* engine
                    .call(`inspect ${id}`, () => container(id).inspect())
                    .pipe(Effect.mapError(fromDocker(`task ${handle.taskId}`)))).State
            const exitCode = state.ExitCode
            const oomKilled = state.OOMKilled === true
            const signal = oomKilled ? undefined : signalOf(exitCode)
            const logError =
              logExit._tag === "Failure" ? "the task's output could not be written to its log files" : ""
            // A container killed by a signal while the engine goes down: say so, not just "SIGKILL".
            const engineGone =
              signal === undefined
                ? ""
                : yield* engine.ping.pipe(
                    // the engine stops answering a moment after it killed its containers
                    Effect.delay("200 millis"),
                    Effect.repeat({ while: (up) => up, times: 10 }),
                    Effect.map((up) =>
                      up
                        ? ""
                        : `the Docker engine at ${engine.endpoint} stopped while the task ran (its container got ${signal})`
                    )
                  )
            const error = [state.Error, engineGone, logError].filter((s) => s !== "").join("; ")
            return {
              exitCode,
              oomKilled,
              ...(signal === undefined ? {} : { signal }),
              ...(error === "" ? {} : { error })
            } satisfies ExitResult
          }).pipe(Effect.withSpan("DockerExecutor.wait", { attributes: { taskId: handle.taskId } }))
        )
        const control = (name: "kill" | "pause" | "unpause", f: () => Promise<unknown>) =>
          engine.call(`${name} ${id}`, f).pipe(
            Effect.asVoid,
            Effect.catchAll((e) =>
              // Killing a container that already stopped is done, not an error.
              name === "kill" && DockerEngine.hasStatus(e, 409) ? Effect.void : Effect.fail(e)
            ),
            Effect.mapError(fromDocker(`${name} task ${handle.taskId}`)),
            Effect.withSpan(`DockerExecutor.${name}`, { attributes: { taskId: handle.taskId } })
          )
        return {
          handle,
          wait,
          kill: control("kill", () => container(id).kill()),
          pause: control("pause", () => container(id).pause()),
          resume: control("unpause", () => container(id).unpause())
        } satisfies Execution
      })

    const syncEnv = (env: EnvName) =>
      envSync
        .ensure(env)
        .pipe(
          Effect.mapError((e) => fail(e.reason === "Unavailable" ? "Unavailable" : "StartFailed", e.message))
        )

    const run = Effect.fn("DockerExecutor.run")(function* (request: ExecRequest) {
      const { task } = request
      yield* Effect.annotateCurrentSpan("taskId", task.taskId)
      if (task.container === "NULL") {
        return yield* fail(
          "StartFailed",
          `task ${task.taskId} asks for no container (NULL); it is not a Docker task`
        )
      }
      const env = task.container
      const cannotCreate = (f: DockerEngine.DockerFailure) =>
        fail(f.unavailable ? "Unavailable" : "StartFailed", `cannot create the container: ${f.detail}`)
      const create = Effect.acquireRelease(
        engine.call(`create container for task ${task.taskId}`, (d) =>
          d.createContainer(containerSpec(request, env, settings))
        ),
        (c) => removeContainer(c.id)
      )
      // The container is made from the image synced last while the sync reads the tarball folder
      // (~2 ms on every task's way): that read decides something only when a newer tarball came.
      const [image, early] = yield* Effect.all([syncEnv(env), Effect.either(create)], { concurrency: 2 })
      const created = yield* Either.match(early, {
        // made before a load replaced its image: it goes, and that image with it
        onRight: (container) =>
          image.loaded
            ? removeContainer(container.id).pipe(
                Effect.zipRight(envSync.dropReplaced(image)),
                Effect.zipRight(Effect.mapError(create, cannotCreate))
              )
            : Effect.succeed(container),
        onLeft: (failure) =>
          !DockerEngine.hasStatus(failure, 404)
            ? Effect.fail(cannotCreate(failure))
            : Effect.zipRight(
                // the image went away since the last sync (which is remembered): sync again, once
                image.loaded ? Effect.void : Effect.zipRight(envSync.forget(env), syncEnv(env)),
                Effect.mapError(create, cannotCreate)
              )
      })
      yield* engine
        .call(`start ${created.id}`, () => created.start())
        .pipe(
          // A container that never ran is removed at once, not when the caller's scope closes.
          Effect.tapError(() => removeContainer(created.id)),
          Effect.mapError((f) =>
            fail(f.unavailable ? "Unavailable" : "StartFailed", `cannot start the container: ${f.detail}`)
          )
        )
      return yield* attach({ kind: "docker", taskId: task.taskId, ref: created.id }, request.logs, undefined)
    })

    const survivors = engine
      .call("list task containers", (d) =>
        d.listContainers({
          all: true,
          filters: {
            label: [
              `${labels.managed}=true`,
              ...(settings.node === undefined ? [] : [`${labels.node}=${settings.node}`])
            ]
          }
        })
      )
      .pipe(
        Effect.map((containers) =>
          containers.flatMap((c): Array<TaskHandle> => {
            const taskId = c.Labels[labels.taskId]
            return taskId === undefined ? [] : [{ kind: "docker", taskId: taskId as TaskId, ref: c.Id }]
          })
        ),
        Effect.mapError(fromDocker("list task containers")),
        Effect.withSpan("DockerExecutor.survivors")
      )

    const recover = Effect.fn("DockerExecutor.recover")(function* (
      handle: TaskHandle,
      logs: ExecRequest["logs"]
    ) {
      yield* Effect.annotateCurrentSpan("taskId", handle.taskId)
      const found = yield* engine
        .call(`inspect ${handle.ref}`, () => container(handle.ref).inspect())
        .pipe(
          Effect.map(Option.some),
          Effect.catchIf(
            (f) => DockerEngine.hasStatus(f, 404),
            () => Effect.succeed(Option.none())
          ),
          Effect.mapError(fromDocker(`recover task ${handle.taskId}`))
        )
      if (Option.isNone(found) || found.value.Config.Labels?.[labels.taskId] !== handle.taskId) {
        return Option.none<Execution>()
      }
      if (found.value.State.Status === "created") {
        // Created but never started (the runner died in between): the task never ran.
        yield* removeContainer(found.value.Id)
        return Option.none<Execution>()
      }
      yield* Effect.addFinalizer(() => removeContainer(found.value.Id))
      const cutoff = yield* ContainerLogs.cutoffOf(logs)
      return Option.some(yield* attach({ ...handle, ref: found.value.Id }, logs, cutoff))
    })

    return {
      kind: "docker",
      available: engine.ping,
      run,
      survivors,
      recover
    } satisfies Executor
  })
