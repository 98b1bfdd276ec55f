/**
 * The `cluster` group of HostApi: nodes, health and ping.
 *
 * @since 0.1.0
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import {
  Allocation,
  ClusterHealth,
  HealthReport,
  HostApi,
  NodeHealth,
  NodeView,
  NotFound,
  Ping
} from "@hakuriver/sdk"
import * as Effect from "effect/Effect"
import { emptyAllocation, allocationsOf, type NodeAllocation } from "../Scheduler.js"
import { type NodeRecord, Store } from "../Store.js"
import { version } from "../version.js"

/**
 * The views are made of values decoded already (the store's records, the scheduler's counts), so
 * they are constructed without validating them again (the `true`): with 500 nodes, validation
 * made a `/health` or `/nodes` answer (and the dashboard's sample every 5 s) take ~40 ms of CPU
 * instead of ~1. The answer is still checked once, when it is encoded.
 */
const trusted = true

const allocationView = (a: NodeAllocation) =>
  new Allocation(
    {
      cores: a.cores,
      memoryBytes: a.memoryBytes,
      gpus: [...a.gpus].sort((x, y) => x - y),
      tasks: a.tasks
    },
    trusted
  )

const nodeView = (n: NodeRecord, a: NodeAllocation) =>
  new NodeView(
    {
      name: n.info.name,
      status: n.status,
      url: n.info.url,
      cores: n.info.cores,
      memoryBytes: n.info.memoryBytes,
      numa: n.info.numa,
      gpus: n.info.gpus,
      executors: n.info.executors,
      allocated: allocationView(a),
      lastHeartbeatAt: n.lastHeartbeatAt
    },
    trusted
  )

const nodeHealth = (n: NodeRecord, a: NodeAllocation) =>
  new NodeHealth(
    {
      name: n.info.name,
      status: n.status,
      cores: n.info.cores,
      memoryBytes: n.info.memoryBytes,
      usage: n.usage,
      allocated: allocationView(a),
      lastHeartbeatAt: n.lastHeartbeatAt
    },
    trusted
  )

const average = (xs: ReadonlyArray<number>) =>
  xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length

/** The nodes and what they hold; `GET /health` adds a count of the queue (never its tasks). */
const snapshot = Effect.flatMap(Store, (store) =>
  Effect.all({ nodes: store.listNodes, active: store.activeClaims })
)

/**
 * The nodes as `GET /nodes` shows them (also read by the dashboard's live feed).
 * @category views
 */
export const nodeViews: Effect.Effect<ReadonlyArray<NodeView>, never, Store> = Effect.map(
  snapshot,
  ({ nodes, active }) => {
    const alloc = allocationsOf(active)
    return nodes.map((n) => nodeView(n, alloc.get(n.info.name) ?? emptyAllocation))
  }
)

/**
 * Cluster health as `GET /health` shows it, for all nodes or one (also read by the dashboard).
 * @category views
 */
export const healthReport = (node?: string): Effect.Effect<HealthReport, NotFound, Store> =>
  Effect.gen(function* () {
    const store = yield* Store
    const { nodes, active } = yield* snapshot
    const pending = node === undefined ? yield* store.countWithStatus(["pending"]) : 0
    const alloc = allocationsOf(active)
    const allocOf = (n: NodeRecord) => alloc.get(n.info.name) ?? emptyAllocation
    const shown = node === undefined ? nodes : nodes.filter((n) => n.info.name === node)
    if (node !== undefined && shown.length === 0) {
      return yield* Effect.fail(new NotFound({ message: `node ${node} not found` }))
    }
    const online = shown.filter((n) => n.status === "online")
    const usages = online.flatMap((n) => (n.usage === null ? [] : [n.usage]))
    const onNodes = (name: string | undefined) => (t: { readonly node: string | null }) =>
      name === undefined || t.node === name
    return new HealthReport(
      {
        aggregate: new ClusterHealth(
          {
            nodesOnline: online.length,
            nodesTotal: shown.length,
            cores: online.reduce((s, n) => s + n.info.cores, 0),
            coresAllocated: online.reduce((s, n) => s + allocOf(n).cores, 0),
            memoryBytes: online.reduce((s, n) => s + n.info.memoryBytes, 0),
            memoryAllocatedBytes: online.reduce((s, n) => s + allocOf(n).memoryBytes, 0),
            avgCpuPercent: average(usages.map((u) => u.cpuPercent)),
            avgMemoryPercent: average(usages.map((u) => u.memoryPercent)),
            gpus: online.reduce((s, n) => s + n.info.gpus.length, 0),
            tasksRunning: active.filter((t) => t.status === "running").filter(onNodes(node)).length,
            tasksPending: pending
          },
          trusted
        ),
        nodes: shown.map((n) => nodeHealth(n, allocOf(n)))
      },
      trusted
    )
  })

/** @category layers */
export const ClusterHttpLive = HttpApiBuilder.group(HostApi, "cluster", (handlers) =>
  Effect.gen(function* () {
    const store = yield* Store
    return handlers
      .handle("nodes", () => Effect.provideService(nodeViews, Store, store))
      .handle("health", ({ urlParams }) => Effect.provideService(healthReport(urlParams.node), Store, store))
      .handle("ping", () => Effect.succeed(new Ping({ service: "hakuriver-host", version })))
  })
)
