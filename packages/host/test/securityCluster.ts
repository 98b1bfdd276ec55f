/**
 * Helpers for the security and hostile-input tests: a host with a token and one real runner
 * (process executor) on loopback ports, raw `fetch` with or without the token, and a log
 * capture for startup warnings.
 */
import { Runner } from "@hakuriver/runner"
import type { HakuRiverConfig } from "@hakuriver/sdk"
import { Effect, Layer, Logger, type Scope } from "effect"
import { eventually, type HostClient, startHost, testConfig, waitAllFinal } from "./support/harness.js"

/** The token of these tests. */
export const token = "security-test-token"

/** A JSON answer: status and parsed body (null when the body is not JSON). */
export interface Answer {
  readonly status: number
  readonly body: { readonly _tag?: string; readonly message?: string } | null
}

/** A raw HTTP request; `auth` adds the bearer token. */
export const send = (
  url: string,
  init: { method?: string; body?: string; auth?: string; headers?: Record<string, string> } = {}
): Effect.Effect<Answer> =>
  Effect.promise(async () => {
    const headers: Record<string, string> = { ...init.headers }
    if (init.auth !== undefined) headers.authorization = `Bearer ${init.auth}`
    if (init.body !== undefined) headers["content-type"] ??= "application/json"
    const response = await fetch(url, {
      method: init.method ?? "GET",
      headers,
      ...(init.body === undefined ? {} : { body: init.body })
    })
    const text = await response.text()
    let body: Answer["body"] = null
    try {
      body = JSON.parse(text) as Answer["body"]
    } catch {
      body = null
    }
    return { status: response.status, body }
  })

/** Overrides for a cluster config: a token, process executor, short heartbeats. */
export const clusterOverrides = (extra: Record<string, Record<string, unknown>> = {}) => ({
  ...extra,
  security: { token, ...extra.security },
  runner: { executor: "process", max_cores: 2, ...extra.runner },
  timing: {
    heartbeat_interval: 0.2,
    heartbeat_timeout_factor: 10,
    cleanup_check_interval: 0.2,
    ...extra.timing
  }
})

/** The config of runner `name` for a host on `port` in `dir`. */
export const runnerConfig = (
  dir: string,
  port: number,
  name: string,
  extra: Record<string, Record<string, unknown>> = {}
): HakuRiverConfig =>
  testConfig(dir, {
    ...clusterOverrides(extra),
    network: {
      host_port: port,
      host_reachable_address: "127.0.0.1",
      runner_bind_ip: "127.0.0.1",
      runner_address: "127.0.0.1",
      runner_port: 0,
      runner_name: name,
      ...extra.network
    }
  })

/**
 * A host (with the token) and one online runner `r1` in `dir`; answers the host URL, the host
 * config and the runner URL.
 */
export const startCluster = (
  dir: string,
  extra: Record<string, Record<string, unknown>> = {}
): Effect.Effect<
  { url: string; config: HakuRiverConfig; runnerUrl: string; client: HostClient },
  never,
  Scope.Scope
> =>
  Effect.gen(function* () {
    const config = testConfig(dir, clusterOverrides(extra))
    const { url, client } = yield* startHost(config)
    const port = Number(new URL(url).port)
    yield* Layer.build(Runner.layer(runnerConfig(dir, port, "r1", extra))).pipe(Effect.orDie)
    const nodes = yield* eventually(client.cluster.nodes(), (ns) => ns.some((n) => n.status === "online"))
    return { url, config, runnerUrl: nodes[0]?.url ?? "", client }
  }).pipe(Effect.orDie)

/** Runs `effect` with a logger that records every message (level and text) in `lines`. */
export const capturingLogs = (lines: Array<{ level: string; message: string }>) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ logLevel, message }) => {
      const parts = Array.isArray(message) ? message : [message]
      lines.push({ level: logLevel.label, message: parts.map(String).join(" ") })
    })
  )

/** Waits until every task the host knows is final (so no dispatch is in flight at teardown). */
export const settle = (client: HostClient) =>
  Effect.gen(function* () {
    const tasks = yield* client.tasks.list({ urlParams: {} }).pipe(Effect.orDie)
    if (tasks.length > 0)
      yield* waitAllFinal(
        client,
        tasks.map((t) => t.taskId)
      )
  })
