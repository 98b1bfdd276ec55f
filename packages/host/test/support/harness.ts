/**
 * Test harness: a host on a loopback port with its own temp dir and SQLite file, and a client
 * derived from the HostApi contract.
 */
import { HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import {
  fromObject,
  type HakuRiverConfig,
  HostApi,
  isFinal,
  type Task,
  type TaskId,
  TaskSpec
} from "@hakuriver/sdk"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Context, Effect, Either, Layer, Schema, type Scope } from "effect"
import { Host } from "../../src/index.js"

/** A fresh temp dir, removed when the scope closes. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "hakuriver-host-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

/** A config for tests: loopback, port 0, short timings, everything under `dir`. */
export const testConfig = (
  dir: string,
  overrides: Record<string, Record<string, unknown>> = {}
): HakuRiverConfig =>
  Either.getOrThrow(
    fromObject({
      ...overrides,
      network: { host_bind_ip: "127.0.0.1", host_port: 0, ...overrides.network },
      paths: {
        shared_dir: path.join(dir, "shared"),
        local_temp_dir: path.join(dir, "temp"),
        ...overrides.paths
      },
      database: { db_file: path.join(dir, "host.db"), ...overrides.database },
      timing: {
        heartbeat_interval: 0.2,
        heartbeat_timeout_factor: 5,
        cleanup_check_interval: 0.1,
        ...overrides.timing
      },
      docker: { default_container_name: "test-env", ...overrides.docker }
    })
  )

/** The HostApi client at `url`, with an optional token. */
export const clientAt = (url: string, token = "") =>
  Effect.gen(function* () {
    const base = Context.get(yield* Layer.build(NodeHttpClient.layerUndici), HttpClient.HttpClient)
    const httpClient =
      token === "" ? base : base.pipe(HttpClient.mapRequest(HttpClientRequest.bearerToken(token)))
    return yield* HttpApiClient.makeWith(HostApi, { baseUrl: url, httpClient })
  })

export type HostClient = Effect.Effect.Success<ReturnType<typeof clientAt>>

/** Starts the host (in this process) for the scope; answers its URL and a client. */
export const startHost = (
  config: HakuRiverConfig
): Effect.Effect<{ url: string; client: HostClient }, never, Scope.Scope> =>
  Effect.gen(function* () {
    const ctx = yield* Layer.build(Host.layer(config)).pipe(Effect.orDie)
    const url = yield* Effect.provide(Host.url, ctx)
    const client = yield* clientAt(url, config.security.token)
    return { url, client }
  })

/** Waits (long-poll) until every task is final; answers them. */
export const waitAllFinal = (client: HostClient, ids: ReadonlyArray<TaskId>, timeoutMs = 30_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + timeoutMs
    let known: Record<string, Task["status"]> = {}
    for (;;) {
      const tasks = yield* client.tasks.wait({
        payload: { taskIds: ids as [TaskId, ...Array<TaskId>], known: known as never, timeoutMs: 5000 }
      })
      if (tasks.every((t) => isFinal(t.status))) return tasks
      if (Date.now() > deadline)
        return yield* Effect.dieMessage(
          `tasks not final: ${tasks.map((t) => `${t.taskId}=${t.status}`).join(" ")}`
        )
      known = Object.fromEntries(tasks.map((t) => [t.taskId, t.status]))
    }
  })

/** Polls a condition (test-side only) until it holds or the time is up. */
export const eventually = <A, E, R>(
  check: Effect.Effect<A, E, R>,
  ok: (a: A) => boolean,
  timeoutMs = 20_000
) =>
  Effect.gen(function* () {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const a = yield* check
      if (ok(a)) return a
      if (Date.now() > deadline)
        return yield* Effect.dieMessage(`condition not met in ${timeoutMs} ms: ${JSON.stringify(a)}`)
      yield* Effect.sleep("50 millis")
    }
  })

/** A TaskSpec from its wire form (`targets` as strings, `cores` as a number). */
export const spec = (command: ReadonlyArray<string>, fields: Record<string, unknown> = {}): TaskSpec =>
  Schema.decodeUnknownSync(TaskSpec)({ command, ...fields })

/** The tasks with these ids, in this order. */
export const getTasks = (client: HostClient, ids: ReadonlyArray<TaskId>) =>
  Effect.forEach(ids, (id) => client.tasks.get({ path: { id } }))
