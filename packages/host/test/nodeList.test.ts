/** The node list the store keeps between writes is never stale after a write. */
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { NodeInfo, NodeName, NodeUsage } from "@hakuriver/sdk"
import { Effect, Layer, Option } from "effect"
import * as Store from "../src/Store.js"
import { TaskEvents } from "../src/TaskEvents.js"
import { tempDir } from "./support/harness.js"

const info = (name: string, cores: number) =>
  new NodeInfo({
    name: NodeName.make(name),
    url: `http://127.0.0.1:1/${name}`,
    cores,
    memoryBytes: 1_000_000_000,
    numa: [],
    gpus: [],
    executors: ["process"]
  })

const usage = new NodeUsage({
  cpuPercent: 5,
  memoryUsedBytes: 1,
  memoryPercent: 1,
  temperatures: [],
  gpus: []
})

describe("Store.listNodes", () => {
  it.scoped("reflects each register, heartbeat and offline mark at once", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir, "host.db")
      yield* Effect.gen(function* () {
        const store = yield* Store.Store
        const view = Effect.map(store.listNodes, (ns) =>
          ns.map((n) => `${n.info.name}:${n.info.cores}:${n.status}`)
        )
        expect(yield* view).toEqual([])
        yield* store.upsertNode(info("a", 2), "2026-01-01T00:00:00.000Z")
        expect(yield* view).toEqual(["a:2:online"])
        expect(yield* view).toEqual(["a:2:online"])
        yield* store.upsertNode(info("b", 4), "2026-01-01T00:00:01.000Z")
        yield* store.upsertNode(info("a", 8), "2026-01-01T00:00:02.000Z")
        expect(yield* view).toEqual(["a:8:online", "b:4:online"])
        yield* store.markNodeOffline("b", "gone", "2026-01-01T00:00:03.000Z")
        expect(yield* view).toEqual(["a:8:online", "b:4:offline"])
        expect(Option.isSome(yield* store.heartbeat("b", usage, "2026-01-01T00:00:04.000Z"))).toBe(true)
        const nodes = yield* store.listNodes
        expect(nodes.map((n) => [n.status, n.lastHeartbeatAt, n.usage?.cpuPercent])).toEqual([
          ["online", "2026-01-01T00:00:02.000Z", undefined],
          ["online", "2026-01-01T00:00:04.000Z", 5]
        ])
      }).pipe(Effect.provide(Store.sqlite(file).pipe(Layer.provideMerge(TaskEvents.Default))))
    })
  )
})
