/**
 * SDK calls for Docker environments on the host: persistent env containers, their tarballs and
 * the terminal URL. Each call takes the derived `HttpApiClient` of `HostApi` (only its `docker`
 * group is used) and fails with the contract's typed errors.
 *
 * @since 0.1.0
 */
import type * as HttpApiClient from "@effect/platform/HttpApiClient"
import type * as HttpApiError from "@effect/platform/HttpApiError"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schedule from "effect/Schedule"
import { BadRequest } from "../api/errors.js"
import type { DockerGroup } from "../api/HostApi.js"
import type { EnvContainer, TarballInfo, TarProgress } from "../api/models.js"
import type { Unauthorized } from "../api/errors.js"
import { type TerminalSize, terminalPath } from "../api/TerminalProtocol.js"
import { type EnvName, parseEnvName } from "../domain/EnvName.js"
import type { Connection } from "./Connection.js"
import type { HakuRiverFailure } from "./HakuRiverError.js"
import { toFailure } from "./toFailure.js"

/** Errors every route of HostApi may answer: a refused token, a request the host cannot decode. @category errors */
export type ApiError = Unauthorized | HttpApiError.HttpApiDecodeError

/**
 * What the docker calls need: a client of HostApi (the one `HttpApiClient.make(HostApi, …)`
 * returns fits), or any object with its `docker` group.
 * @category models
 */
export interface DockerApiClient {
  readonly docker: HttpApiClient.Client.Group<typeof DockerGroup, "docker", ApiError, never>
}

/** Failures a call may add on top of its own typed errors. @category errors */
export type TransportError = ApiError | HttpClientError.HttpClientError | ParseResult.ParseError

/**
 * Checks an environment name in the client, so a bad one is refused before any request with the
 * same clear message the host would give.
 * @category parsing
 */
export const envNameOf = (input: string): Effect.Effect<EnvName, BadRequest> =>
  Either.match(parseEnvName(input), {
    onLeft: (e) => Effect.fail(new BadRequest({ message: e.message })),
    onRight: Effect.succeed
  })

/**
 * The environment containers on the host.
 * @category calls
 */
export const listContainers = Effect.fn("docker.listContainers")(function* (client: DockerApiClient) {
  return yield* client.docker.listContainers({})
})

/**
 * Creates the persistent container of environment `env` from `image` (pulled when it is not on
 * the host and a registry answers). Fails with `Conflict` when `env` exists.
 * @category calls
 */
export const createContainer = Effect.fn("docker.createContainer")(function* (
  client: DockerApiClient,
  image: string,
  env: string
) {
  const name = yield* envNameOf(env)
  return yield* client.docker.createContainer({ payload: { image, env: name } })
})

/**
 * Starts the container of `env`.
 * @category calls
 */
export const startContainer = Effect.fn("docker.startContainer")(function* (
  client: DockerApiClient,
  env: string
) {
  const name = yield* envNameOf(env)
  return yield* client.docker.startContainer({ path: { env: name } })
})

/**
 * Stops the container of `env`.
 * @category calls
 */
export const stopContainer = Effect.fn("docker.stopContainer")(function* (
  client: DockerApiClient,
  env: string
) {
  const name = yield* envNameOf(env)
  return yield* client.docker.stopContainer({ path: { env: name } })
})

/**
 * Deletes the container of `env`; its tarballs stay.
 * @category calls
 */
export const deleteContainer = Effect.fn("docker.deleteContainer")(function* (
  client: DockerApiClient,
  env: string
) {
  const name = yield* envNameOf(env)
  return yield* client.docker.deleteContainer({ path: { env: name } })
})

/**
 * The packaged environments: newest tarball of each env, its size and every version on disk.
 * @category calls
 */
export const listTars = Effect.fn("docker.listTars")(function* (client: DockerApiClient) {
  return yield* client.docker.listTars({})
})

/**
 * The progress of the running (or last) `createTar` of `env`.
 * @category calls
 */
export const tarProgress = Effect.fn("docker.tarProgress")(function* (client: DockerApiClient, env: string) {
  const name = yield* envNameOf(env)
  return yield* client.docker.tarProgress({ path: { env: name } })
})

/** Options of {@link createTar}. @category models */
export interface CreateTarOptions {
  /**
   * Called with the progress while the tarball is written (polled from the host), and once more
   * with the final state (`done`) when it is complete.
   */
  readonly onProgress?: ((progress: TarProgress) => void) | undefined
  /** How often to poll the progress; 500 ms by default. */
  readonly pollInterval?: Duration.DurationInput | undefined
}

/**
 * Packages the container of `env`: commits it to `hakuriver/ENV:base` and saves it as a new
 * `ENV-UNIXSECONDS.tar` in the shared tarball folder (older ones are removed). `onProgress`
 * receives the bytes written so far while it runs.
 * @category calls
 * @example
 * createTar(client, "torch", { onProgress: (p) => console.error(`${p.bytesWritten} bytes`) })
 */
export const createTar = Effect.fn("docker.createTar")(function* (
  client: DockerApiClient,
  env: string,
  options: CreateTarOptions = {}
) {
  const name = yield* envNameOf(env)
  const report = (p: TarProgress) => Effect.sync(() => options.onProgress?.(p))
  const every = Duration.decode(options.pollInterval ?? Duration.millis(500))
  const progress = client.docker.tarProgress({ path: { env: name } })
  const poll = progress.pipe(
    Effect.tap(report),
    Effect.ignore,
    Effect.zipRight(Effect.sleep(every)),
    Effect.forever
  )
  const post = client.docker.createTar({ path: { env: name } })
  const info: TarballInfo = yield* (
    options.onProgress === undefined ? post : Effect.raceFirst(post, poll)
  ).pipe(
    // A big image can take longer to save than an HTTP client waits for an answer: when the
    // connection gives up, follow the host's progress to the end instead.
    Effect.catchIf(
      (e) => e._tag === "RequestError" || e._tag === "ResponseError",
      (e) => followToEnd(client, name, every, report, e)
    )
  )
  // The last word: the finished tarball (a small one may be done before the first poll).
  if (options.onProgress !== undefined) yield* progress.pipe(Effect.tap(report), Effect.ignore)
  return info
})

/** Polls the progress of `env` until the host finished (its tarball) or failed (`cause`). */
const followToEnd = <E>(
  client: DockerApiClient,
  env: EnvName,
  every: Duration.Duration,
  report: (p: TarProgress) => Effect.Effect<void>,
  cause: E
) =>
  client.docker.tarProgress({ path: { env } }).pipe(
    Effect.tap(report),
    Effect.repeat({
      schedule: Schedule.spaced(every),
      until: (p) => p.phase !== "committing" && p.phase !== "saving"
    }),
    Effect.zipRight(client.docker.tarProgress({ path: { env } })),
    Effect.flatMap((p) =>
      p.phase === "done"
        ? Effect.flatMap(client.docker.listTars({}), (tars) => {
            const info = tars.find((t) => t.env === env)
            return info === undefined ? Effect.fail(cause) : Effect.succeed(info)
          })
        : Effect.fail(cause)
    )
  )

/**
 * The WebSocket URL of the terminal into the container of `env`, from the host's HTTP base URL
 * (`http` becomes `ws`, `https` becomes `wss`). The token is not put into the URL: send it as
 * `Authorization: Bearer TOKEN` (or append `token=` where headers cannot be set).
 * @category constructors
 */
export const shellUrl = (baseUrl: string, env: EnvName, size?: TerminalSize | undefined): string => {
  const url = new URL(baseUrl.replace(/\/+$/, "") + terminalPath(env))
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:"
  if (size !== undefined) {
    url.searchParams.set("cols", String(size.cols))
    url.searchParams.set("rows", String(size.rows))
  }
  return url.href
}

/**
 * The docker calls of one connected client, failing with {@link HakuRiverFailure} like the rest
 * of `HakuRiverClient` (e.g. `NotFound`, `Conflict`, `Unreachable`).
 * @category models
 */
export interface DockerEnvCalls {
  readonly listContainers: () => Effect.Effect<ReadonlyArray<EnvContainer>, HakuRiverFailure>
  readonly createContainer: (image: string, env: string) => Effect.Effect<EnvContainer, HakuRiverFailure>
  readonly startContainer: (env: string) => Effect.Effect<EnvContainer, HakuRiverFailure>
  readonly stopContainer: (env: string) => Effect.Effect<EnvContainer, HakuRiverFailure>
  readonly deleteContainer: (env: string) => Effect.Effect<void, HakuRiverFailure>
  readonly createTar: (
    env: string,
    options?: CreateTarOptions
  ) => Effect.Effect<TarballInfo, HakuRiverFailure>
  readonly tarProgress: (env: string) => Effect.Effect<TarProgress, HakuRiverFailure>
  readonly listTars: () => Effect.Effect<ReadonlyArray<TarballInfo>, HakuRiverFailure>
  /** The terminal URL of `env` (see {@link shellUrl}); the token is `connection.token`. */
  readonly shellUrl: (env: string, size?: TerminalSize) => Effect.Effect<string, HakuRiverFailure>
}

/**
 * Binds the docker calls to a connected client: its derived `api` and its `connection` (a
 * `HakuRiverClient` service has both).
 * @category constructors
 * @example
 * const client = yield* HakuRiverClient
 * const envs = DockerEnvs.ofClient(client)
 * yield* envs.createContainer("python:3.12-slim", "torch")
 */
export const ofClient = (client: {
  readonly api: DockerApiClient
  readonly connection: Connection
}): DockerEnvCalls => {
  const fail = toFailure(client.connection.url)
  const wrap = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, HakuRiverFailure> =>
    Effect.mapError(effect, fail)
  return {
    listContainers: () => wrap(listContainers(client.api)),
    createContainer: (image, env) => wrap(createContainer(client.api, image, env)),
    startContainer: (env) => wrap(startContainer(client.api, env)),
    stopContainer: (env) => wrap(stopContainer(client.api, env)),
    deleteContainer: (env) => wrap(deleteContainer(client.api, env)),
    createTar: (env, options) => wrap(createTar(client.api, env, options)),
    tarProgress: (env) => wrap(tarProgress(client.api, env)),
    listTars: () => wrap(listTars(client.api)),
    shellUrl: (env, size) =>
      wrap(Effect.map(envNameOf(env), (name) => shellUrl(client.connection.url, name, size)))
  }
}

/** The result types, re-exported for callers. @category models */
export type { EnvContainer, TarballInfo, TarProgress }
