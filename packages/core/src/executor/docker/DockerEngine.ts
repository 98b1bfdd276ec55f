/**
 * The connection to a Docker engine through dockerode, and the one way every call to it is made:
 * a promise turned into an Effect whose failure says whether the engine answered at all.
 *
 * @since 0.1.0
 */
import type Docker from "dockerode"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { loadDockerode } from "./loadDockerode.js"

/**
 * Where the Docker engine is. With nothing set, dockerode's own default applies: `DOCKER_HOST`,
 * else `/var/run/docker.sock`.
 * @category models
 */
export interface DockerEngineOptions {
  /** A unix socket path such as `/var/run/docker.sock`. */
  readonly socketPath?: string | undefined
  /** Milliseconds after which a request without an answer fails; none by default. */
  readonly timeoutMs?: number | undefined
}

/**
 * A Docker call that failed. `unavailable` is true when the engine did not answer at all
 * (no socket, connection refused), false when it answered with an error status.
 * @category errors
 */
export class DockerFailure extends Schema.TaggedError<DockerFailure>()("DockerFailure", {
  operation: Schema.String,
  unavailable: Schema.Boolean,
  statusCode: Schema.optional(Schema.Number),
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.operation}: ${this.detail}`
  }
}

const connectionCodes = new Set(["ENOENT", "ECONNREFUSED", "ECONNRESET", "EACCES", "EPIPE", "ETIMEDOUT"])

interface DockerodeError {
  readonly statusCode?: unknown
  readonly code?: unknown
  readonly message?: unknown
  readonly json?: unknown
}

const jsonMessage = (json: unknown): string | undefined =>
  typeof json === "object" && json !== null && "message" in json && typeof json.message === "string"
    ? json.message
    : undefined

/**
 * Classifies whatever dockerode rejected with.
 * @category errors
 */
export const toFailure = (operation: string, endpoint: string, cause: unknown): DockerFailure => {
  const e = (typeof cause === "object" && cause !== null ? cause : {}) as DockerodeError
  const statusCode = typeof e.statusCode === "number" ? e.statusCode : undefined
  const code = typeof e.code === "string" ? e.code : undefined
  const raw = jsonMessage(e.json) ?? (typeof e.message === "string" ? e.message : String(cause))
  const detail = raw.replace(/^\(HTTP code \d+\) [a-z ]+ - /, "").trim()
  if (statusCode === undefined && (code === undefined || connectionCodes.has(code))) {
    return new DockerFailure({
      operation,
      unavailable: true,
      detail: `the Docker engine at ${endpoint} does not answer (${code ?? detail}); is dockerd running?`
    })
  }
  return new DockerFailure({
    operation,
    unavailable: false,
    ...(statusCode === undefined ? {} : { statusCode }),
    detail
  })
}

/**
 * A connected dockerode client and the endpoint it talks to (for messages).
 * @category models
 */
export interface DockerEngine {
  readonly docker: Docker
  readonly endpoint: string
  /** Runs one dockerode call. */
  readonly call: <A>(operation: string, f: (docker: Docker) => Promise<A>) => Effect.Effect<A, DockerFailure>
  /** Whether the engine answers a ping now. */
  readonly ping: Effect.Effect<boolean>
}

const describeEndpoint = (options: DockerEngineOptions): string => {
  if (options.socketPath !== undefined) return `unix://${options.socketPath}`
  const host = process.env["DOCKER_HOST"]
  return host !== undefined && host !== "" ? host : "unix:///var/run/docker.sock"
}

/**
 * Connects to the engine. Nothing is sent until the first call; a malformed `DOCKER_HOST` fails
 * here.
 * @category constructors
 */
export const make = (options: DockerEngineOptions = {}): Effect.Effect<DockerEngine, DockerFailure> =>
  Effect.gen(function* () {
    const endpoint = describeEndpoint(options)
    // loaded on first use: even without its SSH and gRPC stacks (loadDockerode), dockerode costs
    // ~12 MB of RSS in a process that never talks to Docker (a runner on the process or systemd
    // executor, the CLI)
    const DockerClass = yield* Effect.try({
      try: loadDockerode,
      catch: (cause) =>
        new DockerFailure({
          operation: "connect",
          unavailable: true,
          detail: `cannot load the Docker client (dockerode): ${String(cause)}`
        })
    })
    const docker = yield* Effect.try({
      try: () =>
        new DockerClass({
          ...(options.socketPath === undefined ? {} : { socketPath: options.socketPath }),
          ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs })
        }),
      catch: (cause) =>
        new DockerFailure({
          operation: "connect",
          unavailable: true,
          detail: `cannot use the Docker endpoint ${endpoint}: ${String(cause)}`
        })
    })
    const call = <A>(operation: string, f: (docker: Docker) => Promise<A>) =>
      Effect.tryPromise({ try: () => f(docker), catch: (cause) => toFailure(operation, endpoint, cause) })
    const ping = call("ping", (d) => d.ping()).pipe(
      Effect.timeout("5 seconds"),
      Effect.as(true),
      Effect.orElseSucceed(() => false)
    )
    return { docker, endpoint, call, ping }
  })

/**
 * Whether a failure is an HTTP status from the engine, e.g. 404 (no such object).
 * @category errors
 */
export const hasStatus = (failure: DockerFailure, ...codes: ReadonlyArray<number>): boolean =>
  failure.statusCode !== undefined && codes.includes(failure.statusCode)
