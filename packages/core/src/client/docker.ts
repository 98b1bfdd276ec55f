/**
 * SDK calls for Docker environments on the host: persistent env containers, their tarballs and
 * the terminal URL. Each call takes the derived `HttpApiClient` of `HostApi` (only its `docker`
 * group is used) and fails with the contract's typed errors.
 *
 * @since 0.1.0
 */
import type { HttpApiClient, HttpApiError, HttpClientError } from "@effect/platform"
import { Duration, Effect, Either, type ParseResult } from "effect"
import { BadRequest } from "../api/errors.js"
import type { DockerGroup } from "../api/HostApi.js"
import type { EnvContainer, TarballInfo, TarProgress } from "../api/models.js"
import type { Unauthorized } from "../api/errors.js"
import { type TerminalSize, terminalPath } from "../api/TerminalProtocol.js"
import { type EnvName, parseEnvName } from "../domain/EnvName.js"

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
  /** Called with the progress while the tarball is written (polled from the host). */
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
  const onProgress = options.onProgress
  if (onProgress === undefined) return yield* client.docker.createTar({ path: { env: name } })
  const every = Duration.decode(options.pollInterval ?? Duration.millis(500))
  const poll = client.docker.tarProgress({ path: { env: name } }).pipe(
    Effect.tap((p) => Effect.sync(() => onProgress(p))),
    Effect.ignore,
    Effect.zipRight(Effect.sleep(every)),
    Effect.forever
  )
  const info: TarballInfo = yield* Effect.raceFirst(
    client.docker.createTar({ path: { env: name } }),
    Effect.zipRight(Effect.sleep(every), poll)
  )
  return info
})

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

/** The result types, re-exported for callers. @category models */
export type { EnvContainer, TarballInfo, TarProgress }
