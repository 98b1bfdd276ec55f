/**
 * The promise facade of the client, for plain scripts and notebooks: `connect(options)` gives an
 * object with the same calls as the Effect service, each returning a promise that rejects only
 * with a {@link HakuRiverError}.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type {
  HealthReport,
  LogStream,
  NodeView,
  Ping,
  SubmitAndWaitResponse,
  SubmitResponse
} from "../api/models.js"
import type { Task } from "../domain/Task.js"
import type { ConnectOptions } from "./Connection.js"
import { resolveConnection } from "./Connection.js"
import * as DockerEnvs from "./docker.js"
import {
  HakuRiverClient,
  type HostApiClient,
  type TaskFilter,
  type WaitEffectOptions
} from "./HakuRiverClient.js"
import { HakuRiverError, type HakuRiverFailure, hakuRiverError } from "./HakuRiverError.js"
import type { SubmitRequest } from "./SubmitRequest.js"
import * as ClientHttp from "./clientHttp.js"
import { toFailure } from "./toFailure.js"

/**
 * Options of {@link PromiseClient.wait}.
 * @category models
 */
export interface WaitOptions {
  /** Seconds one long-poll may last (at most 60, default 30); not a delay between checks. */
  readonly pollInterval?: number | undefined
  /** Called with every task each time one of them changes status (and once at the start). */
  readonly onUpdate?: ((tasks: ReadonlyArray<Task>) => void) | undefined
}

/**
 * Options of {@link PromiseClient.logs}.
 * @category models
 */
export interface LogsOptions {
  /** `stdout` (default) or `stderr`. */
  readonly stream?: LogStream | undefined
  /** Only the last N lines. */
  readonly tail?: number | undefined
  /** Follow the log as it grows: the result is an async iterable of chunks. */
  readonly follow?: boolean | undefined
}

/**
 * A connected client. Every promise rejects only with a {@link HakuRiverError}.
 * @category models
 */
export interface PromiseClient {
  /** Submits one task per target (or one placed task); refused targets are listed in `failedTargets`. */
  readonly submit: (request: SubmitRequest) => Promise<SubmitResponse>
  /** Submits several requests as ONE batch (a sweep): one batch id for all their tasks. */
  readonly submitBatch: (requests: ReadonlyArray<SubmitRequest>) => Promise<SubmitResponse>
  /**
   * Submits like `submit`, then waits like `wait`: the host holds its answer until the tasks end,
   * so a task that ends within a long-poll costs one request. Resolves with the submission and
   * its final tasks (in `taskIds` order).
   */
  readonly submitAndWait: (request: SubmitRequest, options?: WaitOptions) => Promise<SubmitAndWaitResponse>
  /** One task. */
  readonly status: (id: string) => Promise<Task>
  /** Resolves with the final tasks (in the given order) once every one of them is final. */
  readonly wait: (ids: string | ReadonlyArray<string>, options?: WaitOptions) => Promise<ReadonlyArray<Task>>
  /** Kills a task (a queued one is cancelled at once). */
  readonly kill: (id: string) => Promise<Task>
  /** Pauses a running task. */
  readonly pause: (id: string) => Promise<Task>
  /** Resumes a paused task. */
  readonly resume: (id: string) => Promise<Task>
  /** A task's log: the text now, or with `follow: true` an async iterable of chunks until it ends. */
  readonly logs: {
    (id: string, options: LogsOptions & { readonly follow: true }): AsyncIterable<string>
    (id: string, options?: LogsOptions & { readonly follow?: false | undefined }): Promise<string>
  }
  /** Tasks, filtered by status, node or batch. */
  readonly tasks: (filter?: TaskFilter) => Promise<ReadonlyArray<Task>>
  /** The nodes. */
  readonly nodes: () => Promise<ReadonlyArray<NodeView>>
  /** Health of every node and the totals, or of one node. */
  readonly health: (node?: string) => Promise<HealthReport>
  /** Whether the host answers, and its version. */
  readonly ping: () => Promise<Ping>
  /** Docker environments on the host (`hakuriver docker …`). */
  readonly docker: DockerCalls
  /** Runs any Effect that needs the client (e.g. calls of the raw `HostApi` client). */
  readonly run: <A>(f: (client: HakuRiverClient.Service) => Effect.Effect<A, HakuRiverFailure>) => Promise<A>
}

/**
 * The Docker environment calls of a {@link PromiseClient}: persistent env containers on the host
 * and their tarballs.
 * @category models
 */
export interface DockerCalls {
  /** The environment containers on the host. */
  readonly listContainers: () => Promise<ReadonlyArray<DockerEnvs.EnvContainer>>
  /** Creates the persistent container of `env` from `image`. */
  readonly createContainer: (image: string, env: string) => Promise<DockerEnvs.EnvContainer>
  /** Starts the container of `env`. */
  readonly startContainer: (env: string) => Promise<DockerEnvs.EnvContainer>
  /** Stops the container of `env`. */
  readonly stopContainer: (env: string) => Promise<DockerEnvs.EnvContainer>
  /** Deletes the container of `env` (its tarballs stay). */
  readonly deleteContainer: (env: string) => Promise<void>
  /** The packaged environments. */
  readonly listTars: () => Promise<ReadonlyArray<DockerEnvs.TarballInfo>>
  /** Packages the container of `env` as a new tarball; `onProgress` sees the bytes written. */
  readonly createTar: (env: string, options?: DockerEnvs.CreateTarOptions) => Promise<DockerEnvs.TarballInfo>
}

/** The Effect client's wait options for a promise client's. */
const waitEffectOptions = ({ onUpdate, pollInterval }: WaitOptions): WaitEffectOptions => ({
  pollInterval,
  onUpdate: onUpdate === undefined ? undefined : (tasks) => Effect.sync(() => onUpdate(tasks))
})

/** Runs an effect, rejecting with its {@link HakuRiverError} (never a wrapped fiber failure). */
const toPromise = <A>(effect: Effect.Effect<A, HakuRiverFailure>): Promise<A> =>
  Effect.runPromiseExit(effect).then((exit) => {
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure)) return Promise.reject(failure.value)
    const squashed = Cause.squash(exit.cause)
    return Promise.reject(
      squashed instanceof HakuRiverError
        ? squashed
        : hakuRiverError(
            "ProtocolError",
            `unexpected failure: ${squashed instanceof Error ? squashed.message : String(squashed)}`
          )
    )
  })

/**
 * Makes a client. Nothing is contacted (and no config is read) until the first call, so this
 * never throws; a bad configuration rejects that call with a `ConfigError`.
 *
 * @category constructors
 * @example
 * const cluster = connect({ url: "http://head:8000", token: process.env.TOKEN })
 * const { taskIds } = await cluster.submit({ command: ["hostname"], targets: ["node1", "node2"] })
 * const done = await cluster.wait(taskIds)
 */
export const connect = (options: ConnectOptions = {}): PromiseClient => {
  let cached: HakuRiverClient.Service | undefined
  const client: Effect.Effect<HakuRiverClient.Service, HakuRiverFailure> = Effect.suspend(() =>
    cached !== undefined
      ? Effect.succeed(cached)
      : resolveConnection(options).pipe(
          Effect.flatMap(HakuRiverClient.make),
          Effect.provide(ClientHttp.layer),
          Effect.tap((c) => {
            cached = c
          })
        )
  )
  const use = <A>(f: (c: HakuRiverClient.Service) => Effect.Effect<A, HakuRiverFailure>): Promise<A> =>
    toPromise(Effect.flatMap(client, f))

  const useApi = <A, E>(f: (api: HostApiClient) => Effect.Effect<A, E>): Promise<A> =>
    use((c) => Effect.mapError(f(c.api), toFailure(c.connection.url)))

  async function* follow(id: string, options: LogsOptions): AsyncGenerator<string, void, undefined> {
    let offset: number | undefined
    for (;;) {
      const chunk = await use((c) =>
        c.readLog(id, {
          stream: options.stream,
          ...(offset !== undefined
            ? { offset, waitMs: 20_000 }
            : options.tail === undefined
              ? { offset: 0 }
              : { tail: options.tail })
        })
      )
      if (chunk.data !== "") yield chunk.data
      if (chunk.done) return
      offset = chunk.offset
    }
  }

  function logs(id: string, options: LogsOptions & { readonly follow: true }): AsyncIterable<string>
  function logs(id: string, options?: LogsOptions & { readonly follow?: false | undefined }): Promise<string>
  function logs(id: string, options: LogsOptions = {}): AsyncIterable<string> | Promise<string> {
    if (options.follow === true) return follow(id, options)
    return use((c) => c.logs(id, { stream: options.stream, tail: options.tail }))
  }

  return {
    submit: (request) => use((c) => c.submit(request)),
    submitBatch: (requests) => use((c) => c.submitBatch(requests)),
    status: (id) => use((c) => c.status(id)),
    submitAndWait: (request, options = {}) =>
      use((c) => c.submitAndWait(request, waitEffectOptions(options))),
    wait: (ids, options = {}) =>
      use((c) => c.wait(typeof ids === "string" ? [ids] : ids, waitEffectOptions(options))),
    kill: (id) => use((c) => c.kill(id)),
    pause: (id) => use((c) => c.pause(id)),
    resume: (id) => use((c) => c.resume(id)),
    logs,
    tasks: (filter) => use((c) => c.tasks(filter)),
    nodes: () => use((c) => c.nodes()),
    health: (node) => use((c) => c.health(node)),
    ping: () => use((c) => c.ping()),
    docker: {
      listContainers: () => useApi((api) => DockerEnvs.listContainers(api)),
      createContainer: (image, env) => useApi((api) => DockerEnvs.createContainer(api, image, env)),
      startContainer: (env) => useApi((api) => DockerEnvs.startContainer(api, env)),
      stopContainer: (env) => useApi((api) => DockerEnvs.stopContainer(api, env)),
      deleteContainer: (env) => useApi((api) => DockerEnvs.deleteContainer(api, env)),
      listTars: () => useApi((api) => DockerEnvs.listTars(api)),
      createTar: (env, options) => useApi((api) => DockerEnvs.createTar(api, env, options))
    },
    run: (f) => use(f)
  }
}

/**
 * The raw client type, re-exported for `run` callers.
 * @category models
 */
export type { HostApiClient }
