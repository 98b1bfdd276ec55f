/**
 * The Nodes page and the submit form's pickers for a GPU node with two NUMA zones, in a real
 * browser. No GPU is needed: the dashboard routes are served on a real HTTP server with a
 * `DashboardSource` that reports such a node (as a runner with `nvidia-smi` would), and the page
 * gets it through the live event stream.
 */
import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, layer } from "@effect/vitest"
import { HealthReport, NodeView } from "@hakuriver/sdk"
import { createServer } from "node:http"
import { Effect, Layer, Option, Schema, Stream } from "effect"
import { Dashboard, DashboardSource } from "../src/dashboard/index.js"
import { ensureDashboardBuilt, scopedPage, shot, skipBrowserTests } from "./dashboard-support.js"

const gpu = (index: number, utilizationPercent: number, temperatureC: number) => ({
  index,
  name: "NVIDIA H100 80GB HBM3",
  uuid: `GPU-${index}`,
  memoryTotalMiB: 81559,
  memoryUsedMiB: 1024 * (index + 1),
  utilizationPercent,
  temperatureC,
  powerDrawW: 120 + index
})

const node = Schema.decodeUnknownSync(NodeView)({
  name: "gpu-node",
  status: "online",
  url: "http://127.0.0.1:8001",
  cores: 32,
  memoryBytes: 256_000_000_000,
  numa: [
    { id: 0, cpus: [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23], memoryBytes: 128_000_000_000 },
    {
      id: 1,
      cpus: [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31],
      memoryBytes: 128_000_000_000
    }
  ],
  gpus: [gpu(0, 0, 30), gpu(1, 0, 30)],
  executors: ["docker", "systemd"],
  allocated: { cores: 8, memoryBytes: 32_000_000_000, gpus: [1], tasks: 1 },
  lastHeartbeatAt: new Date().toISOString()
})

const health = Schema.decodeUnknownSync(HealthReport)({
  aggregate: {
    nodesOnline: 1,
    nodesTotal: 1,
    cores: 32,
    coresAllocated: 8,
    memoryBytes: 256_000_000_000,
    memoryAllocatedBytes: 32_000_000_000,
    avgCpuPercent: 41,
    avgMemoryPercent: 22,
    gpus: 2,
    tasksRunning: 1,
    tasksPending: 0
  },
  nodes: [
    {
      name: "gpu-node",
      status: "online",
      cores: 32,
      memoryBytes: 256_000_000_000,
      // heartbeat usage: live GPU figures
      usage: {
        cpuPercent: 41,
        memoryUsedBytes: 56_000_000_000,
        memoryPercent: 22,
        temperatures: [{ label: "Package id 0", celsius: 55 }],
        gpus: [gpu(0, 3, 34), gpu(1, 87, 71)]
      },
      allocated: { cores: 8, memoryBytes: 32_000_000_000, gpus: [1], tasks: 1 },
      lastHeartbeatAt: new Date().toISOString()
    }
  ]
})

const source = Layer.succeed(
  DashboardSource,
  DashboardSource.of({
    nodes: Effect.succeed([node]),
    health: Effect.succeed(health),
    task: () => Effect.succeed(Option.none()),
    taskChanges: Stream.never
  })
)

class GpuPage extends Effect.Service<GpuPage>()("test/GpuPage", {
  scoped: Effect.gen(function* () {
    yield* Effect.promise(() => ensureDashboardBuilt())
    const server = yield* Layer.build(
      HttpApiBuilder.Router.serve().pipe(
        Layer.provide(Dashboard.layer({ token: "" })),
        Layer.provide(source),
        Layer.provide(HttpApiBuilder.Router.Live),
        Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" }))
      )
    )
    const address = yield* Effect.provide(
      Effect.map(HttpServer.HttpServer, (s) => s.address),
      server
    )
    const port = address._tag === "TcpAddress" ? address.port : 0
    const page = yield* scopedPage()
    return { page, url: `http://127.0.0.1:${port}/` }
  })
}) {}

describe.skipIf(skipBrowserTests)("dashboard GPU and NUMA views in a browser", () => {
  layer(GpuPage.Default, { timeout: "120 seconds", excludeTestServices: true })((it) => {
    it.effect(
      "shows NUMA zones and live GPU utilisation, memory and temperature",
      () =>
        Effect.gen(function* () {
          const { page, url } = yield* GpuPage
          yield* Effect.promise(async () => {
            await page.goto(`${url}#/nodes`)
            await page.waitForSelector('[data-node="gpu-node"]')
          })
          const text = yield* Effect.promise(() => page.textContent('[data-node="gpu-node"]'))
          // NUMA topology as CPU ranges
          expect(text).toContain("0-7,16-23")
          expect(text).toContain("8-15,24-31")
          // the heartbeat's live figures win over the registration's
          expect(text).toContain("87.0%")
          expect(text).toContain("71°C")
          expect(text).toContain("2048 / 81559 MiB")
          expect(text).toContain("NVIDIA H100 80GB HBM3")
          yield* shot(page, "nodes-gpu")
        }),
      60_000
    )

    it.effect(
      "builds node, NUMA and GPU targets in the submit form",
      () =>
        Effect.gen(function* () {
          const { page } = yield* GpuPage
          yield* Effect.promise(async () => {
            await page.click("nav >> text=Submit")
            await page.selectOption("select[name=target-node]", "gpu-node")
            await page.selectOption("select[name=target-numa]", "1")
            await page.click("button[name=add-target]")
            await page.waitForSelector('[data-target="gpu-node:1"]')
            await page.selectOption("select[name=target-node]", "gpu-node")
            await page.check("label:has-text('GPU 0') input")
            await page.check("label:has-text('GPU 1') input")
            await page.click("button[name=add-target]")
            await page.waitForSelector('[data-target="gpu-node::0,1"]')
          })
          // GPU 1 is allocated to a running task: the picker says so
          const label = yield* Effect.promise(() => page.textContent("label:has-text('GPU 1')"))
          expect(label).toContain("busy")
        }),
      60_000
    )
  })
})
