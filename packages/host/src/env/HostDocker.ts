/**
 * The host's connection to its Docker engine (dockerode), and the one way the env manager calls
 * it: a promise turned into an Effect whose failure says whether the engine answered at all.
 *
 * @since 0.1.0
 */
import { loadDockerode } from "@hakuriver/sdk/executor"
import type Docker from "dockerode"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"

/**
 * A Docker call that failed. `status` is the engine's HTTP status (404 no such object, 409
 * conflict, …); it is absent when the engine did not answer (no socket, connection refused).
 * @category errors
 */
export class DockerCallError extends Schema.TaggedError<DockerCallError>()("DockerCallError", {
  operation: Schema.String,
  status: Schema.optional(Schema.Number),
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.operation}: ${this.detail}`
  }

  /** Whether the engine did not answer at all. */
  get unreachable(): boolean {
    return this.status === undefined
  }
}

/**
 * The engine and a traced way to call it.
 * @category models
 */
export interface HostDockerService {
  readonly docker: Docker
  /** `unix:///var/run/docker.sock` or `DOCKER_HOST`, for messages. */
  readonly endpoint: string
  readonly call: <A>(
    operation: string,
    f: (docker: Docker) => Promise<A>
  ) => Effect.Effect<A, DockerCallError>
}

/**
 * The host's Docker engine.
 * @category tags
 */
export class HostDocker extends Context.Tag("@hakuriver/host/HostDocker")<HostDocker, HostDockerService>() {}

const detailOf = (cause: unknown): { readonly status: number | undefined; readonly detail: string } => {
  const e = (typeof cause === "object" && cause !== null ? cause : {}) as Record<string, unknown>
  const status = typeof e["statusCode"] === "number" ? e["statusCode"] : undefined
  const json = e["json"]
  const fromJson =
    typeof json === "object" && json !== null && "message" in json && typeof json.message === "string"
      ? json.message
      : undefined
  const raw = fromJson ?? (typeof e["message"] === "string" ? e["message"] : String(cause))
  return { status, detail: raw.replace(/^\(HTTP code \d+\) [a-z ]+ - /, "").trim() }
}

/**
 * Classifies whatever dockerode rejected with.
 * @category errors
 */
export const toCallError = (operation: string, endpoint: string, cause: unknown): DockerCallError => {
  const { detail, status } = detailOf(cause)
  return status === undefined
    ? new DockerCallError({
        operation,
        detail: `the Docker engine at ${endpoint} does not answer (${detail}); is dockerd running?`
      })
    : new DockerCallError({ operation, status, detail })
}

/**
 * Makes the service over a dockerode client (default: `DOCKER_HOST`, else the local socket).
 * @category constructors
 */
export const make = (docker: Docker = new (loadDockerode())()): HostDockerService => {
  const host = process.env["DOCKER_HOST"]
  const endpoint = host !== undefined && host !== "" ? host : "unix:///var/run/docker.sock"
  return {
    docker,
    endpoint,
    call: (operation, f) =>
      Effect.tryPromise({
        try: () => f(docker),
        catch: (cause) => toCallError(operation, endpoint, cause)
      }).pipe(Effect.withSpan(`Docker.${operation}`))
  }
}

/**
 * The engine of the environment (`DOCKER_HOST`, else `/var/run/docker.sock`). Nothing is sent
 * until the first call, so a host without Docker still starts.
 * @category layers
 */
export const layer: Layer.Layer<HostDocker> = Layer.sync(HostDocker, () => make())
