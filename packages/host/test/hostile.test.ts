/**
 * The hostile-input catalogue at the API, with raw HTTP: shell metacharacters reach the process
 * verbatim (never a shell); bad env names, traversal in ids, log requests and mounts, oversize
 * bodies, invalid JSON, unknown fields, bad cores and memory, duplicate targets and targets of
 * nodes that left, and paths that match no route each get a 4xx with a JSON message, and the store
 * is unchanged.
 */
import { expect, layer } from "@effect/vitest"
import { Runner } from "@hakuriver/runner"
import type { TaskId } from "@hakuriver/sdk"
import * as fs from "node:fs"
import * as path from "node:path"
import { Context, Effect, Layer } from "effect"
import { type Answer, runnerConfig, send, settle, startCluster, token } from "./securityCluster.js"
import { eventually, type HostClient, tempDir, waitAllFinal } from "./support/harness.js"

class Cluster extends Context.Tag("test/HostileCluster")<
  Cluster,
  { readonly url: string; readonly dir: string; readonly shared: string; readonly client: HostClient }
>() {}

/** A host with r1 online and r2, which joined and then left (offline). */
const ClusterLive = Layer.scoped(
  Cluster,
  Effect.gen(function* () {
    const dir = yield* tempDir
    const { url, config, client } = yield* startCluster(dir)
    const port = Number(new URL(url).port)
    yield* Effect.scoped(
      Effect.gen(function* () {
        yield* Layer.build(Runner.layer(runnerConfig(dir, port, "r2"))).pipe(Effect.orDie)
        yield* eventually(client.cluster.nodes(), (ns) =>
          ns.some((n) => n.name === "r2" && n.status === "online")
        )
      })
    )
    yield* eventually(client.cluster.nodes(), (ns) =>
      ns.some((n) => n.name === "r2" && n.status === "offline")
    )
    yield* Effect.addFinalizer(() => settle(client).pipe(Effect.ignore))
    return { url, dir, shared: config.paths.shared_dir, client }
  })
)

const taskCount = (url: string) =>
  Effect.map(send(`${url}/tasks`, { auth: token }), (a) => (a.body as unknown as Array<unknown>).length)

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  send(`${url}/tasks`, { method: "POST", auth: token, body, headers })

/** The refusal is a 4xx with a JSON message matching `pattern`, and the store is unchanged. */
const refused = (url: string, request: Effect.Effect<Answer>, status: number, pattern: RegExp) =>
  Effect.gen(function* () {
    const before = yield* taskCount(url)
    const answer = yield* request
    expect(answer.status).toBe(status)
    expect(answer.body?.message ?? "").toMatch(pattern)
    expect(yield* taskCount(url)).toBe(before)
  })

const submitJson = (url: string, fields: Record<string, unknown>) =>
  post(url, JSON.stringify({ command: ["true"], container: "NULL", ...fields }))

const stdoutOf = (url: string, id: string) =>
  Effect.map(
    send(`${url}/tasks/${id}/logs`, { auth: token }),
    (a) => (a.body as unknown as { data: string }).data
  )

layer(ClusterLive, { timeout: 60_000, excludeTestServices: true })("hostile input at the API", (it) => {
  it.effect("shell metacharacters in command and args reach the process verbatim", () =>
    Effect.gen(function* () {
      const { url, dir, client } = yield* Cluster
      const marker = (n: number) => path.join(dir, `pwned-${n}`)
      const args = [
        `true; touch ${marker(1)}`,
        `$(touch ${marker(2)})`,
        `\`touch ${marker(3)}\``,
        `&& touch ${marker(4)} || touch ${marker(5)}`,
        `> ${marker(6)}`,
        "*",
        "'\"\\ $HOME ~",
        "|"
      ]
      const echo = yield* submitJson(url, { command: ["/bin/echo", ...args] })
      expect(echo.status).toBe(200)
      const echoId = (echo.body as unknown as { taskIds: Array<TaskId> }).taskIds[0] as TaskId
      // the program itself is one argv element: "true; touch …" is not a program, so it fails
      const program = yield* submitJson(url, { command: [`true; touch ${marker(7)}`] })
      expect(program.status).toBe(200)
      const programId = (program.body as unknown as { taskIds: Array<TaskId> }).taskIds[0] as TaskId
      const [echoed, failed] = yield* waitAllFinal(client, [echoId, programId])
      expect(echoed?.status).toBe("completed")
      expect(yield* stdoutOf(url, echoId)).toBe(`${args.join(" ")}\n`)
      expect(failed?.status).toBe("failed")
      for (let n = 1; n <= 7; n++) expect(fs.existsSync(marker(n))).toBe(false)
    })
  )

  it.effect("env values with '=', newlines and shell syntax reach the process verbatim", () =>
    Effect.gen(function* () {
      const { url, client } = yield* Cluster
      const value = "a=b\nc=d; $(echo no) `echo no` 'q' \"dq\""
      const answer = yield* submitJson(url, {
        command: ["/usr/bin/printenv", "WEIRD"],
        env: { WEIRD: value }
      })
      expect(answer.status).toBe(200)
      const id = (answer.body as unknown as { taskIds: Array<TaskId> }).taskIds[0] as TaskId
      const [task] = yield* waitAllFinal(client, [id])
      expect(task?.status).toBe("completed")
      expect(yield* stdoutOf(url, id)).toBe(`${value}\n`)
    })
  )

  it.effect("bad env names ('=', newline, traversal, empty, leading digit) and NUL values", () =>
    Effect.gen(function* () {
      const { url } = yield* Cluster
      for (const name of ["A=B", "A\nB", "../etc/x", "", "1X", "PATH;rm"]) {
        yield* refused(
          url,
          submitJson(url, { env: { [name]: "x" } }),
          400,
          /invalid environment variable name/
        )
      }
      yield* refused(url, submitJson(url, { env: { X: "a\0b" } }), 400, /NUL/)
      yield* refused(url, submitJson(url, { command: ["echo", "a\0b"] }), 400, /NUL/)
    })
  )

  it.effect("traversal in task ids and log requests", () =>
    Effect.gen(function* () {
      const { url, client } = yield* Cluster
      for (const id of ["..%2F..%2Fetc%2Fpasswd", "1%2F..%2F2", "abc", "-1", "1%00"]) {
        yield* refused(url, send(`${url}/tasks/${id}`, { auth: token }), 400, /TaskId|decimal digits/)
        yield* refused(url, send(`${url}/tasks/${id}/logs`, { auth: token }), 400, /TaskId|decimal digits/)
        yield* refused(
          url,
          send(`${url}/tasks/${id}/kill`, { method: "POST", auth: token }),
          400,
          /TaskId|decimal/
        )
      }
      yield* refused(url, send(`${url}/tasks/12345`, { auth: token }), 404, /12345/)
      const ok = yield* submitJson(url, { command: ["true"] })
      const id = (ok.body as unknown as { taskIds: Array<TaskId> }).taskIds[0] as TaskId
      yield* waitAllFinal(client, [id])
      for (const query of [
        "stream=..%2F..%2Fetc%2Fpasswd",
        "stream=%2Fetc%2Fpasswd",
        "tail=abc",
        "offset=x"
      ]) {
        const answer = yield* send(`${url}/tasks/${id}/logs?${query}`, { auth: token })
        expect([query, answer.status]).toEqual([query, 400])
        expect(answer.body?.message ?? "").not.toBe("")
      }
    })
  )

  it.effect(
    "paths that match no route (an env name with '/') answer 404 with a JSON message, host and runner",
    () =>
      Effect.gen(function* () {
        const { url, client } = yield* Cluster
        for (const [method, route] of [
          ["GET", "/nope"],
          ["POST", "/docker/containers/a/b/start"],
          ["GET", "/docker/tars/a/b/progress"],
          ["DELETE", "/tasks"]
        ] as const) {
          yield* refused(
            url,
            send(`${url}${route}`, { method, auth: token }),
            404,
            new RegExp(`^no route matches ${method} ${route}$`)
          )
        }
        // an encoded '/' reaches the route, whose name check refuses it
        yield* refused(
          url,
          send(`${url}/docker/tars/a%2Fb`, { method: "POST", auth: token }),
          400,
          /lower-case letters/
        )
        // the query (which may hold a token) is not quoted back
        const answer = yield* send(`${url}/nope?token=${token}`, { auth: token })
        expect(answer).toEqual({
          status: 404,
          body: { _tag: "NotFound", message: "no route matches GET /nope" }
        })
        const runner = (yield* client.cluster.nodes()).find((n) => n.name === "r1")!
        const fromRunner = yield* send(`${runner.url}/tasks/1/nope`, { method: "POST", auth: token })
        expect(fromRunner).toEqual({
          status: 404,
          body: { _tag: "NotFound", message: "no route matches POST /tasks/1/nope" }
        })
      })
  )

  it.effect("mount paths: traversal, relative paths and paths outside the policy", () =>
    Effect.gen(function* () {
      const { url, shared } = yield* Cluster
      for (const mount of [
        `${shared}/../../etc:/x`,
        "/a/../etc:/etc",
        "relative:/x",
        `${shared}:relative`,
        "/a"
      ]) {
        yield* refused(url, submitJson(url, { mounts: [mount] }), 400, /mount/)
      }
      yield* refused(url, submitJson(url, { mounts: ["/:/host"] }), 400, /not allowed/)
    })
  )

  it.effect("oversize bodies: 413; invalid JSON and unknown fields: 400", () =>
    Effect.gen(function* () {
      const { url } = yield* Cluster
      const huge = JSON.stringify({ command: ["true"], env: { BIG: "x".repeat(2 * 1024 * 1024) } })
      yield* refused(url, post(url, huge), 413, /larger than 1048576 bytes/)
      // the same without a content-length (chunked): the read stops at the limit, and the
      // server answers 413 or drops the connection; nothing is stored either way
      const chunked = Effect.promise(async () => {
        const bytes = new TextEncoder().encode(huge)
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let at = 0; at < bytes.length; at += 65536) controller.enqueue(bytes.slice(at, at + 65536))
            controller.close()
          }
        })
        try {
          const response = await fetch(`${url}/tasks`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body,
            duplex: "half"
          } as RequestInit)
          return response.status
        } catch {
          return "connection dropped"
        }
      })
      const before = yield* taskCount(url)
      expect([413, "connection dropped"]).toContain(yield* chunked)
      expect(yield* taskCount(url)).toBe(before)
      for (const body of ['{"command": [', "not json", "[1,2", '{"command": ["true"]}}']) {
        const before = yield* taskCount(url)
        const answer = yield* post(url, body)
        expect([body, answer.status]).toEqual([body, 400])
        expect(answer.body?.message ?? "").not.toBe("")
        expect(yield* taskCount(url)).toBe(before)
      }
      yield* refused(url, submitJson(url, { comand: ["rm"] }), 400, /comand/)
      yield* refused(url, submitJson(url, { privilegd: true }), 400, /privilegd/)
      yield* refused(
        url,
        send(`${url}/tasks/wait`, {
          method: "POST",
          auth: token,
          body: JSON.stringify({ taskIds: ["1"], extra: 1 })
        }),
        400,
        /extra/
      )
    })
  )

  it.effect("negative, zero, fractional-garbage and huge cores and memory", () =>
    Effect.gen(function* () {
      const { url } = yield* Cluster
      const before = yield* taskCount(url)
      for (const cores of [-1, 0, "abc", 1e9, Number.MAX_SAFE_INTEGER * 4, null]) {
        const answer = yield* submitJson(url, { cores })
        expect([cores, answer.status]).toEqual([cores, 400])
        expect(answer.body?.message ?? "").toMatch(/cores|Cores|number|Number|greater|integer/)
      }
      for (const memoryBytes of [-5, 0, 1e30, "lots", 1.5]) {
        const answer = yield* submitJson(url, { memoryBytes })
        expect([memoryBytes, answer.status]).toEqual([memoryBytes, 400])
        expect(answer.body?.message ?? "").not.toBe("")
      }
      expect(yield* taskCount(url)).toBe(before)
    })
  )

  it.effect("duplicate targets and targets of nodes that left", () =>
    Effect.gen(function* () {
      const { url } = yield* Cluster
      yield* refused(url, submitJson(url, { targets: ["r1", "r1"] }), 400, /duplicate target "r1"/)
      yield* refused(url, submitJson(url, { targets: ["r2"] }), 400, /node "r2" is offline/)
      yield* refused(url, submitJson(url, { targets: ["gone"] }), 400, /unknown node "gone"/)
      yield* refused(url, submitJson(url, { targets: ["../r1"] }), 400, /target|node/)
    })
  )
})
