/**
 * The dashboard routes on a real HTTP server: the built page and its assets, the token check of
 * `/events` (header or `?token=`), and the live feed (snapshot, task changes, cluster changes,
 * usage samples) read as Server-Sent Events.
 */
import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { HealthReport, NodeView, type Task, type TaskId } from "@hakuriver/sdk"
import { createServer } from "node:http"
import { Effect, Layer, Option, PubSub, Ref, Schema, Stream } from "effect"
import { beforeAll } from "vitest"
import { Dashboard, DashboardSource } from "../src/dashboard/index.js"
import { ensureDashboardBuilt, sseReader } from "./dashboard-support.js"
import { makeTask } from "../../../test/kit/index.js"

const token = "s3cret-token"

const node = (name: string, cpuPercent: number) => ({
  view: Schema.decodeUnknownSync(NodeView)({
    name,
    status: "online",
    url: "http://127.0.0.1:1",
    cores: 4,
    memoryBytes: 8_000_000_000,
    numa: [{ id: 0, cpus: [0, 1, 2, 3], memoryBytes: 8_000_000_000 }],
    gpus: [],
    executors: ["process"],
    allocated: { cores: 0, memoryBytes: 0, gpus: [], tasks: 0 },
    lastHeartbeatAt: null
  }),
  health: {
    name,
    status: "online",
    cores: 4,
    memoryBytes: 8_000_000_000,
    usage: { cpuPercent, memoryUsedBytes: 1_000_000_000, memoryPercent: 12.5, temperatures: [], gpus: [] },
    allocated: { cores: 0, memoryBytes: 0, gpus: [], tasks: 0 },
    lastHeartbeatAt: null
  }
})

const healthOf = (nodes: ReadonlyArray<ReturnType<typeof node>>, running: number) =>
  Schema.decodeUnknownSync(HealthReport)({
    aggregate: {
      nodesOnline: nodes.length,
      nodesTotal: nodes.length,
      cores: 4 * nodes.length,
      coresAllocated: running,
      memoryBytes: 8_000_000_000 * nodes.length,
      memoryAllocatedBytes: 0,
      avgCpuPercent:
        nodes.length === 0
          ? null
          : nodes.reduce((s, n) => s + (n.health.usage?.cpuPercent ?? 0), 0) / nodes.length,
      avgMemoryPercent: nodes.length === 0 ? null : 12.5,
      gpus: 0,
      tasksRunning: running,
      tasksPending: 0
    },
    nodes: nodes.map((n) => n.health)
  })

const task = (id: string, status: Task["status"]) =>
  makeTask(["echo", "hi"], {
    taskId: id,
    batchId: id,
    status,
    exitCode: status === "completed" ? 0 : null,
    submittedAt: "2026-01-01T00:00:00.000Z",
    stdoutPath: "/tmp/x.out",
    stderrPath: "/tmp/x.err"
  })

/** A small in-memory cluster behind the `DashboardSource` interface, changed by the tests. */
class Cluster extends Effect.Service<Cluster>()("test/Cluster", {
  scoped: Effect.gen(function* () {
    const nodes = yield* Ref.make([node("n1", 20)])
    const tasks = yield* Ref.make(new Map<string, Task>())
    const taskReads = yield* Ref.make(0)
    const nodeReads = yield* Ref.make(0)
    const changes = yield* Effect.acquireRelease(PubSub.unbounded<TaskId>(), PubSub.shutdown)
    return {
      /** How often the feed read a task. */
      taskReads: Ref.get(taskReads),
      /** How often the feed read the node list. */
      nodeReads: Ref.get(nodeReads),
      setNodes: (list: ReadonlyArray<ReturnType<typeof node>>) => Ref.set(nodes, [...list]),
      putTask: (t: Task) =>
        Ref.update(tasks, (m) => new Map(m).set(t.taskId, t)).pipe(
          Effect.zipRight(PubSub.publish(changes, t.taskId))
        ),
      source: DashboardSource.of({
        nodes: Effect.zipRight(
          Ref.update(nodeReads, (n) => n + 1),
          Effect.map(Ref.get(nodes), (list) => list.map((n) => n.view))
        ),
        health: Effect.map(Ref.get(nodes), (list) => healthOf(list, 0)),
        task: (id) =>
          Effect.zipRight(
            Ref.update(taskReads, (n) => n + 1),
            Effect.map(Ref.get(tasks), (m) => Option.fromNullable(m.get(id)))
          ),
        taskChanges: Stream.fromPubSub(changes)
      })
    }
  })
}) {}

const ServerLive = HttpApiBuilder.Router.serve().pipe(
  Layer.provide(
    Dashboard.layer({ token, feed: { clusterInterval: "50 millis", sampleInterval: "50 millis" } })
  ),
  Layer.provide(
    Layer.effect(
      DashboardSource,
      Effect.map(Cluster, (c) => c.source)
    )
  ),
  Layer.provide(HttpApiBuilder.Router.Live),
  Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" })),
  Layer.provideMerge(Cluster.Default)
)

const baseUrl = Effect.map(HttpServer.HttpServer, (server) =>
  server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : "http://invalid"
)

const get = (url: string, init?: RequestInit) => Effect.promise(() => fetch(url, init))

describe("dashboard routes", () => {
  beforeAll(async () => {
    await ensureDashboardBuilt()
  })

  it.scopedLive("serves the page at / and its hashed assets, and refuses odd asset names", () =>
    Effect.gen(function* () {
      const base = yield* baseUrl
      const page = yield* get(`${base}/`)
      expect(page.status).toBe(200)
      expect(page.headers.get("content-type")).toContain("text/html")
      expect(page.headers.get("cache-control")).toBe("no-cache")
      const html = yield* Effect.promise(() => page.text())
      expect(html).toContain('<div id="app">')
      const script = /src="\.\/assets\/([^"]+\.js)"/.exec(html)?.[1]
      expect(script).toBeDefined()
      const asset = yield* get(`${base}/assets/${script}`)
      expect(asset.status).toBe(200)
      expect(asset.headers.get("content-type")).toContain("javascript")
      expect(asset.headers.get("cache-control")).toContain("immutable")
      expect((yield* get(`${base}/assets/..%2Findex.html`)).status).toBe(404)
      expect((yield* get(`${base}/assets/nope.js`)).status).toBe(404)
    }).pipe(Effect.scoped, Effect.provide(ServerLive))
  )

  it.scopedLive("refuses /events without the token, accepts it as a header or a query", () =>
    Effect.gen(function* () {
      const base = yield* baseUrl
      expect((yield* get(`${base}/events`)).status).toBe(401)
      expect((yield* get(`${base}/events?token=wrong`)).status).toBe(401)
      const controller = new AbortController()
      yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
      const byQuery = yield* get(`${base}/events?token=${token}`, { signal: controller.signal })
      expect(byQuery.status).toBe(200)
      expect(byQuery.headers.get("content-type")).toContain("text/event-stream")
      const byHeader = yield* get(`${base}/events`, {
        headers: { authorization: `Bearer ${token}` },
        signal: controller.signal
      })
      expect(byHeader.status).toBe(200)
    }).pipe(Effect.scoped, Effect.provide(ServerLive))
  )

  it.scopedLive("reads no task and no node list while no dashboard is open (usage samples go on)", () =>
    Effect.gen(function* () {
      const base = yield* baseUrl
      const cluster = yield* Cluster
      yield* cluster.putTask(task("2001", "running"))
      yield* Effect.sleep("300 millis")
      expect(yield* cluster.taskReads).toBe(0)
      expect(yield* cluster.nodeReads).toBe(0)
      const controller = new AbortController()
      yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
      const events = sseReader(
        (yield* get(`${base}/events?token=${token}`, { signal: controller.signal })).body!
      )
      const snapshot = JSON.parse((yield* Effect.promise(() => events.nextOf("snapshot"))).data)
      // the usage samples were taken all along, from the health report alone
      expect(snapshot.history.length).toBeGreaterThan(1)
      yield* cluster.putTask(task("2002", "completed"))
      const changed = JSON.parse((yield* Effect.promise(() => events.nextOf("task"))).data)
      expect(changed).toMatchObject({ taskId: "2002", status: "completed" })
      expect(yield* cluster.taskReads).toBe(1)
      yield* Effect.promise(() => events.cancel())
    }).pipe(Effect.scoped, Effect.provide(ServerLive))
  )

  it.scopedLive("streams a snapshot, then task changes, cluster changes and usage samples", () =>
    Effect.gen(function* () {
      const base = yield* baseUrl
      const cluster = yield* Cluster
      const controller = new AbortController()
      yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
      const response = yield* get(`${base}/events?token=${token}`, { signal: controller.signal })
      const events = sseReader(response.body!)
      const snapshot = JSON.parse((yield* Effect.promise(() => events.nextOf("snapshot"))).data)
      expect(snapshot.nodes.map((n: { name: string }) => n.name)).toEqual(["n1"])
      expect(snapshot.health.aggregate.nodesOnline).toBe(1)

      yield* cluster.putTask(task("1001", "running"))
      const changed = JSON.parse((yield* Effect.promise(() => events.nextOf("task"))).data)
      expect(changed).toMatchObject({ taskId: "1001", status: "running" })

      yield* cluster.setNodes([node("n1", 20), node("n2", 80)])
      const state = yield* Effect.promise(async () => {
        for (;;) {
          const c = JSON.parse((await events.nextOf("cluster")).data)
          if (c.nodes.length === 2) return c
        }
      })
      expect(state.health.aggregate.nodesTotal).toBe(2)

      const sample = yield* Effect.promise(async () => {
        for (;;) {
          const s = JSON.parse((await events.nextOf("sample")).data)
          if (Object.keys(s.nodes).length === 2) return s
        }
      })
      expect(sample.nodes.n2.cpuPercent).toBe(80)
      expect(sample.cpuPercent).toBe(50)
      yield* Effect.promise(() => events.cancel())
    }).pipe(Effect.scoped, Effect.provide(ServerLive))
  )
})
