import { describe, expect, it } from "@effect/vitest"
import { NodeName, NumaNode } from "@hakuriver/sdk"
import * as fc from "fast-check"
import { Either } from "effect"
import {
  allocate,
  emptyAllocation,
  type NodeAllocation,
  type NodeCapacity,
  type Policy,
  place,
  type Request,
  rejectionMessage,
  validate
} from "../src/Scheduler.js"

const policies: ReadonlyArray<Policy> = ["first-fit", "least-loaded", "round-robin"]

/** A node with 1-4 NUMA nodes of 1-8 CPUs each, and GPUs with arbitrary (not contiguous) ids. */
const nodeArb = (name: string): fc.Arbitrary<NodeCapacity> =>
  fc
    .record({
      numa: fc.array(
        fc.record({ cpus: fc.integer({ min: 1, max: 8 }), memGb: fc.integer({ min: 1, max: 16 }) }),
        {
          minLength: 1,
          maxLength: 4
        }
      ),
      gpus: fc.uniqueArray(fc.integer({ min: 0, max: 15 }), { maxLength: 4 }),
      online: fc.boolean()
    })
    .map(({ numa, gpus, online }) => {
      let cpu = 0
      const numaNodes = numa.map(
        (n, id) =>
          new NumaNode({
            id,
            cpus: Array.from({ length: n.cpus }, () => cpu++),
            memoryBytes: n.memGb * 1_000_000_000
          })
      )
      return {
        name: NodeName.make(name),
        online,
        cores: cpu,
        memoryBytes: numaNodes.reduce((s, n) => s + n.memoryBytes, 0),
        numa: numaNodes,
        gpus
      }
    })

const clusterArb = fc
  .integer({ min: 1, max: 4 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => nodeArb(`node${i}`))))

/** A request: untargeted, or on a node with maybe a NUMA node and maybe some of its GPUs. */
const requestArb = (nodes: ReadonlyArray<NodeCapacity>): fc.Arbitrary<Request> =>
  fc
    .record({
      which: fc.integer({ min: -1, max: nodes.length - 1 }),
      cores: fc.integer({ min: 1, max: 1000 }).map((h) => h / 100),
      memGb: fc.option(fc.integer({ min: 1, max: 8 }), { nil: null }),
      numaPick: fc.option(fc.nat(), { nil: null }),
      gpuPicks: fc.array(fc.nat(), { maxLength: 3 })
    })
    .map(({ which, cores, memGb, numaPick, gpuPicks }) => {
      const node = which < 0 ? undefined : nodes[which]
      const gpus =
        node === undefined
          ? []
          : [
              ...new Set(
                gpuPicks.flatMap((p) =>
                  node.gpus.length === 0 ? [] : [node.gpus[p % node.gpus.length] ?? 0]
                )
              )
            ]
      return {
        node: node?.name ?? null,
        numa: node === undefined || numaPick === null ? null : numaPick % node.numa.length,
        gpus,
        cores,
        memoryBytes: memGb === null ? null : memGb * 500_000_000,
        container: "env"
      }
    })

const scenarioArb = clusterArb.chain((nodes) =>
  fc.record({
    nodes: fc.constant(nodes),
    requests: fc.array(requestArb(nodes), { minLength: 1, maxLength: 40 }),
    policy: fc.constantFrom(...policies)
  })
)

const idle = new Map<string, NodeAllocation>()

describe("Scheduler", () => {
  it("never over-allocates cores, memory, NUMA cores/memory or a GPU", () =>
    fc.assert(
      fc.property(scenarioArb, ({ nodes, requests, policy }) => {
        const allocations = new Map<string, NodeAllocation>()
        const perNuma = new Map<string, { cores: number; memory: number }>()
        const gpusTaken = new Map<string, Set<number>>()
        let last: string | null = null
        for (const request of requests) {
          const placed = place(request, nodes, allocations, policy, last)
          if (Either.isLeft(placed)) continue
          const name = placed.right
          const node = nodes.find((n) => n.name === name)
          if (node === undefined) throw new Error("placed on an unknown node")
          expect(node.online).toBe(true)
          if (request.node !== null) expect(name).toBe(request.node)
          last = name
          const alloc = allocate(allocations.get(name) ?? emptyAllocation, request)
          allocations.set(name, alloc)
          expect(Math.round(alloc.cores * 100)).toBeLessThanOrEqual(Math.round(node.cores * 100))
          expect(alloc.memoryBytes).toBeLessThanOrEqual(node.memoryBytes)
          if (request.numa !== null) {
            const key = `${name}/${request.numa}`
            const used = perNuma.get(key) ?? { cores: 0, memory: 0 }
            const next = {
              cores: used.cores + request.cores,
              memory: used.memory + (request.memoryBytes ?? 0)
            }
            perNuma.set(key, next)
            const numa = node.numa.find((n) => n.id === request.numa)
            expect(Math.round(next.cores * 100)).toBeLessThanOrEqual((numa?.cpus.length ?? 0) * 100)
            expect(next.memory).toBeLessThanOrEqual(numa?.memoryBytes ?? 0)
          }
          const taken = gpusTaken.get(name) ?? new Set<number>()
          for (const g of request.gpus) {
            expect(taken.has(g)).toBe(false)
            expect(node.gpus).toContain(g)
            taken.add(g)
          }
          gpusTaken.set(name, taken)
        }
      }),
      { numRuns: 300 }
    ))

  it("a valid request that fits an idle online node is always placed", () =>
    fc.assert(
      fc.property(scenarioArb, ({ nodes, requests, policy }) => {
        for (const request of requests) {
          const valid = Either.isRight(validate(request, nodes))
          const fitsSomewhere = nodes.some(
            (n) =>
              n.online &&
              (request.node === null || request.node === n.name) &&
              request.cores <=
                (request.numa === null
                  ? n.cores
                  : (n.numa.find((x) => x.id === request.numa)?.cpus.length ?? 0)) &&
              (request.memoryBytes ?? 0) <=
                (request.numa === null
                  ? n.memoryBytes
                  : (n.numa.find((x) => x.id === request.numa)?.memoryBytes ?? 0))
          )
          if (valid && fitsSomewhere) expect(Either.isRight(place(request, nodes, idle, policy))).toBe(true)
        }
      }),
      { numRuns: 300 }
    ))

  const gpuNode: NodeCapacity = {
    name: NodeName.make("gpu1"),
    online: true,
    cores: 8,
    memoryBytes: 32_000_000_000,
    numa: [new NumaNode({ id: 0, cpus: [0, 1, 2, 3], memoryBytes: 16_000_000_000 })],
    gpus: [0, 2, 5]
  }
  const base: Request = {
    node: gpuNode.name,
    numa: null,
    gpus: [],
    cores: 1,
    memoryBytes: null,
    container: "env"
  }
  const reason = (r: Request) =>
    Either.match(validate(r, [gpuNode]), { onLeft: rejectionMessage, onRight: () => "ok" })

  it("validation explains every refusal", () => {
    expect(reason({ ...base, node: NodeName.make("nope") })).toBe('unknown node "nope"')
    expect(reason({ ...base, numa: 1 })).toBe('NUMA node 1 is not on node "gpu1" (it has 0)')
    expect(reason({ ...base, gpus: [1] })).toBe('GPU 1 is not on node "gpu1" (it has GPUs 0,2,5)')
    expect(reason({ ...base, gpus: [5], container: "NULL" })).toMatch(/need a Docker container/)
    expect(reason({ ...base, cores: 9 })).toBe('9 cores requested but node "gpu1" has only 8')
    expect(reason({ ...base, numa: 0, cores: 5 })).toBe('5 cores requested but node "gpu1" has only 4')
    expect(reason({ ...base, memoryBytes: 64_000_000_000 })).toBe(
      '64G memory requested but node "gpu1" has only 32G'
    )
    expect(reason({ ...base, node: null, cores: 100 })).toBe("no node could ever give 100 cores")
    expect(reason({ ...base, gpus: [2, 5], numa: 0 })).toBe("ok")
    expect(reason({ ...base, node: null })).toBe("ok")
    expect(Either.isRight(validate({ ...base, node: null, cores: 100 }, []))).toBe(true)
  })

  it("GPU ids are exclusive; policies spread or pack untargeted tasks", () => {
    const one = allocate(emptyAllocation, { ...base, gpus: [2] })
    const busy = place({ ...base, gpus: [2] }, [gpuNode], new Map([["gpu1", one]]), "first-fit")
    expect(Either.isLeft(busy) && busy.left._tag).toBe("GpuBusy")
    expect(
      Either.isRight(place({ ...base, gpus: [0, 5] }, [gpuNode], new Map([["gpu1", one]]), "first-fit"))
    ).toBe(true)

    const a = { ...gpuNode, name: NodeName.make("a") }
    const b = { ...gpuNode, name: NodeName.make("b") }
    const loadedA = new Map([["a", allocate(emptyAllocation, { ...base, cores: 4 })]])
    const any = { ...base, node: null }
    expect(place(any, [a, b], loadedA, "first-fit")).toEqual(Either.right("a"))
    expect(place(any, [a, b], loadedA, "least-loaded")).toEqual(Either.right("b"))
    expect(place(any, [a, b], idle, "round-robin", "a")).toEqual(Either.right("b"))
    expect(place(any, [a, b], idle, "round-robin", "b")).toEqual(Either.right("a"))
    const offline = place(any, [{ ...a, online: false }], idle, "first-fit")
    expect(Either.isLeft(offline) && offline.left._tag).toBe("NoNodeOnline")
  })
})
