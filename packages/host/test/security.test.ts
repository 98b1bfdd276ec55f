/**
 * Security end to end: with a token every HostApi route, the dashboard feed, the terminal route
 * and every RunnerApi route refuse requests without it (401) and take them with it; runners
 * carry the token to the host and a runner with the wrong one never joins; a server bound beyond
 * loopback without a token logs one warning; the privileged and mount policy refuse with 400.
 */
import type { HttpApiEndpoint } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Runner } from "@hakuriver/runner"
import { HostApi, RunnerApi } from "@hakuriver/sdk"
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Layer } from "effect"
import { Host } from "../src/index.js"
import { capturingLogs, runnerConfig, send, settle, startCluster, token } from "./securityCluster.js"
import { eventually, startHost, tempDir, testConfig } from "./support/harness.js"

/** Every endpoint of an HttpApi as METHOD and a concrete path. */
const routesOf = (api: typeof HostApi | typeof RunnerApi) =>
  Object.values(api.groups).flatMap((group) =>
    Object.values(group.endpoints as Record<string, HttpApiEndpoint.HttpApiEndpoint.AnyWithProps>).map(
      (endpoint) => ({
        method: endpoint.method,
        path: endpoint.path.replace(":id", "123").replace(":name", "r1").replace(":env", "no-such-env")
      })
    )
  )

const bodyFor = (method: string) => (method === "GET" || method === "DELETE" ? {} : { body: "{}" })

describe("token on every route", () => {
  it.live(
    "host API, dashboard feed, terminal and runner API: 401 without the token, served with it",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          const { url, runnerUrl } = yield* startCluster(dir)
          const hostRoutes = routesOf(HostApi)
          expect(hostRoutes.length).toBeGreaterThan(15)
          for (const route of hostRoutes) {
            const without = yield* send(`${url}${route.path}`, {
              method: route.method,
              ...bodyFor(route.method)
            })
            expect([route.path, without.status, without.body?._tag]).toEqual([
              route.path,
              401,
              "Unauthorized"
            ])
            const wrong = yield* send(`${url}${route.path}`, {
              method: route.method,
              auth: "not-the-token",
              ...bodyFor(route.method)
            })
            expect([route.path, wrong.status]).toEqual([route.path, 401])
            const withToken = yield* send(`${url}${route.path}`, {
              method: route.method,
              auth: token,
              ...bodyFor(route.method)
            })
            expect([route.path, withToken.status]).not.toEqual([route.path, 401])
          }
          for (const p of ["/tasks", "/nodes", "/health", "/ping"]) {
            expect((yield* send(`${url}${p}`, { auth: token })).status).toBe(200)
          }
          // the token in the query is only for WebSocket upgrades and event streams
          expect((yield* send(`${url}/tasks?token=${token}`)).status).toBe(401)

          // the dashboard feed
          expect((yield* send(`${url}/events`, { headers: { accept: "text/event-stream" } })).status).toBe(
            401
          )
          const feed = yield* Effect.promise(async () => {
            const controller = new AbortController()
            const response = await fetch(`${url}/events?token=${token}`, {
              headers: { accept: "text/event-stream" },
              signal: controller.signal
            })
            controller.abort()
            return response.status
          })
          expect(feed).toBe(200)

          // the terminal: refused before the upgrade without the token; with it the request
          // gets past the check (426: not a WebSocket request)
          const shell = `${url}/docker/containers/some-env/shell`
          expect((yield* send(shell)).status).toBe(401)
          expect((yield* send(shell, { auth: "wrong" })).status).toBe(401)
          expect((yield* send(shell, { auth: token })).status).toBe(426)

          // the runner refuses a caller without the token
          const runnerRoutes = routesOf(RunnerApi)
          expect(runnerRoutes.length).toBeGreaterThanOrEqual(6)
          for (const route of runnerRoutes) {
            const without = yield* send(`${runnerUrl}${route.path}`, {
              method: route.method,
              ...bodyFor(route.method)
            })
            expect([route.path, without.status]).toEqual([route.path, 401])
            const withToken = yield* send(`${runnerUrl}${route.path}`, {
              method: route.method,
              auth: token,
              ...bodyFor(route.method)
            })
            expect([route.path, withToken.status]).not.toEqual([route.path, 401])
          }
          expect((yield* send(`${runnerUrl}/info`, { auth: token })).status).toBe(200)

          // the public pages: the OpenAPI document, its reference page and the dashboard shell
          expect((yield* send(`${url}/openapi.json`)).status).toBe(200)
          expect((yield* send(`${url}/docs`)).status).toBe(200)
        })
      ),
    60_000
  )

  it.live(
    "a runner with the wrong token never joins; one with the right token does",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          const { url, client } = yield* startHost(
            testConfig(dir, { security: { token }, timing: { heartbeat_interval: 0.1 } })
          )
          const port = Number(new URL(url).port)
          const intruder = runnerConfig(dir, port, "intruder", {
            security: { token: "wrong-token" },
            timing: { heartbeat_interval: 0.1 }
          })
          yield* Layer.build(Runner.layer(intruder)).pipe(Effect.orDie)
          const member = runnerConfig(dir, port, "member", { timing: { heartbeat_interval: 0.1 } })
          yield* Layer.build(Runner.layer(member)).pipe(Effect.orDie)
          yield* eventually(client.cluster.nodes(), (ns) => ns.some((n) => n.name === "member"))
          // several of the intruder's registration attempts have passed by now
          yield* Effect.sleep("1 second")
          const names = (yield* client.cluster.nodes()).map((n) => n.name)
          expect(names).toEqual(["member"])
        })
      ),
    30_000
  )
})

describe("startup warning", () => {
  const startWith = (role: "host" | "runner", bindIp: string, withToken: boolean) =>
    Effect.scoped(
      Effect.gen(function* () {
        const dir = yield* tempDir
        const lines: Array<{ level: string; message: string }> = []
        const security = { token: withToken ? token : "" }
        const config =
          role === "host"
            ? testConfig(dir, { network: { host_bind_ip: bindIp, host_port: 0 }, security })
            : runnerConfig(dir, 9, "w1", {
                network: { runner_bind_ip: bindIp },
                security,
                timing: { heartbeat_interval: 5 }
              })
        const layer = role === "host" ? Host.layer(config) : Runner.layer(config)
        yield* Layer.build(layer).pipe(Effect.orDie, Effect.provide(capturingLogs(lines)))
        return lines.filter((l) => l.message.includes("SECURITY WARNING"))
      })
    )

  it.live(
    "no token on a non-loopback bind: one loud warning line; none with a token or on loopback",
    () =>
      Effect.gen(function* () {
        const exposedHost = yield* startWith("host", "0.0.0.0", false)
        expect(exposedHost).toHaveLength(1)
        expect(exposedHost[0]?.level).toBe("WARN")
        expect(exposedHost[0]?.message).toMatch(/the host listens on 0\.0\.0\.0 without a token/)
        expect(yield* startWith("host", "0.0.0.0", true)).toHaveLength(0)
        expect(yield* startWith("host", "127.0.0.1", false)).toHaveLength(0)
        const exposedRunner = yield* startWith("runner", "0.0.0.0", false)
        expect(exposedRunner).toHaveLength(1)
        expect(exposedRunner[0]?.message).toMatch(/the runner listens on 0\.0\.0\.0 without a token/)
        expect(yield* startWith("runner", "0.0.0.0", true)).toHaveLength(0)
        expect(yield* startWith("runner", "127.0.0.1", false)).toHaveLength(0)
      }),
    30_000
  )
})

describe("task policy", () => {
  const submit = (url: string, fields: Record<string, unknown>) =>
    send(`${url}/tasks`, {
      method: "POST",
      auth: token,
      body: JSON.stringify({ command: ["true"], container: "NULL", ...fields })
    })
  const taskCount = (url: string) =>
    Effect.map(send(`${url}/tasks`, { auth: token }), (a) => (a.body as unknown as Array<unknown>).length)

  it.live(
    "privileged refused when not allowed; client mounts only under shared, temp or allowed prefixes",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          const { url, config, client } = yield* startCluster(dir, {
            security: { allow_privileged: false },
            docker: { additional_mounts: ["/:/host-root:ro"] }
          })
          const shared = config.paths.shared_dir
          fs.mkdirSync(path.join(shared, "data"), { recursive: true })
          fs.symlinkSync("/", path.join(shared, "escape"))

          const privileged = yield* submit(url, { privileged: true })
          expect(privileged.status).toBe(400)
          expect(privileged.body?.message).toMatch(/privileged tasks are not allowed on this host/)
          for (const mount of [
            "/:/x",
            "/etc:/etc:ro",
            "/var/run/docker.sock:/s",
            `${shared}/escape:/x`,
            `${shared}-evil/a:/x`
          ]) {
            const refused = yield* submit(url, { mounts: [mount] })
            expect([mount, refused.status]).toEqual([mount, 400])
            expect(refused.body?.message).toMatch(/is not allowed: client mounts must lie under/)
          }
          expect(yield* taskCount(url)).toBe(0)

          // allowed: the shared dir, the temp dir, and the admin's additional_mounts (no client mounts)
          for (const fields of [
            { mounts: [`${shared}/data:/data`] },
            { mounts: [`${config.paths.local_temp_dir}:/scratch:ro`] },
            {}
          ]) {
            expect((yield* submit(url, fields)).status).toBe(200)
          }
          expect(yield* taskCount(url)).toBe(3)
          yield* settle(client)
        })
      ),
    30_000
  )

  it.live(
    "an admin who allows '/' lets clients mount anything",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          const { url, client } = yield* startCluster(dir, { security: { allowed_mount_prefixes: ["/"] } })
          expect((yield* submit(url, { mounts: ["/:/host-root:ro"], privileged: true })).status).toBe(200)
          yield* settle(client)
        })
      ),
    30_000
  )
})
