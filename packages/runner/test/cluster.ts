/**
 * Test helpers for runner tests against the real host (`Host.layer` from @hakuriver/host): a
 * config on loopback ports, the host on port 0, and a HostApi client with the token.
 */
import * as path from "node:path"
import { HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Host } from "@hakuriver/host"
import {
  fromObject,
  type HakuRiverConfig,
  HostApi,
  isFinal,
  type TaskId,
  type TaskStatus
} from "@hakuriver/sdk"
import { Effect, Either, Layer } from "effect"
import { scopedTempDir } from "../../../test/kit/index.js"

export const token = "cluster-test-token"

/** A temp dir removed with the scope. */
export const tempDir = scopedTempDir("cluster")

/** The config of one member of a test cluster in `dir` (shared dir and database shared). */
export const configOf = (
  dir: string,
  network: Record<string, unknown>,
  extra: Record<string, Record<string, unknown>> = {}
): HakuRiverConfig =>
  Either.getOrThrow(
    fromObject({
      network: {
        host_bind_ip: "127.0.0.1",
        host_reachable_address: "127.0.0.1",
        runner_bind_ip: "127.0.0.1",
        runner_address: "127.0.0.1",
        runner_port: 0,
        ...network
      },
      paths: { shared_dir: path.join(dir, "shared"), local_temp_dir: path.join(dir, "temp") },
      database: { db_file: path.join(dir, "host.db") },
      timing: { heartbeat_interval: 0.5, heartbeat_timeout_factor: 20, cleanup_check_interval: 1 },
      runner: { executor: "process" },
      security: { token },
      ...extra
    })
  )

/** Starts the host on a free port in the scope; returns its port. */
export const startHost = (dir: string, port = 0, extra: Record<string, Record<string, unknown>> = {}) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(Host.layer(configOf(dir, { host_port: port }, extra)))
    const address = yield* Effect.provide(Host.address, context)
    return address._tag === "TcpAddress" ? address.port : 0
  })

/** A HostApi client with the token, alive for the scope. */
export const hostClient = (port: number) =>
  Effect.flatMap(Layer.build(NodeHttpClient.layerUndici), (context) =>
    HttpApiClient.make(HostApi, {
      baseUrl: `http://127.0.0.1:${port}`,
      transformClient: (c) => HttpClient.mapRequest(c, HttpClientRequest.bearerToken(token))
    }).pipe(Effect.provide(context))
  )

/** Waits (long-polling the host) until all tasks are final. */
export const waitFinal = (
  client: Effect.Effect.Success<ReturnType<typeof hostClient>>,
  ids: ReadonlyArray<TaskId>
) =>
  Effect.gen(function* () {
    const deadline = Date.now() + 45_000
    let known: Record<string, TaskStatus> = {}
    while (true) {
      const tasks = yield* client.tasks.wait({
        payload: { taskIds: [ids[0]!, ...ids.slice(1)], known, timeoutMs: 2000 }
      })
      if (tasks.every((t) => isFinal(t.status))) return tasks
      if (Date.now() > deadline)
        return yield* Effect.fail(new Error(`tasks not final: ${JSON.stringify(tasks)}`))
      known = Object.fromEntries(tasks.map((t) => [t.taskId, t.status]))
    }
  })
