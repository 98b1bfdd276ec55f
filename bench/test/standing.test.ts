import { describe, expect, it } from "vitest"
import { failed, formatStanding, fromJson, type RunResults, standing } from "../lib/standing.js"

const summary = (p50: number) => ({ n: 200, p50, p95: p50, p99: p50, mean: p50 })
const dispatch = (floor: number, p50: number, p99: number) => ({
  floor: summary(floor),
  overheadCompleted: { p50, p95: p99, p99 },
  overheadOneRequest: { p50: p50 - 0.3, p95: p99, p99 }
})
const scaleRow = (runners: number, tasks: number, heartbeat: number, statusP99: number) => ({
  runners,
  tasks,
  heartbeatCpuPercentOfCore: heartbeat,
  heartbeatStackFloorPercentOfCore: 6.9,
  heartbeatToStackFloor: Math.round((heartbeat / 6.9) * 10) / 10,
  statusP99Ms: statusP99,
  statusProbe: { reads: 100, p50Ms: 5, p99Ms: statusP99 + 1, maxMs: 30 }
})

/** A run as `bench/run.ts` writes it, with only the fields the standing reads. */
const run = (o: {
  p50: number
  heartbeat: number
  refillDeep: number
  hostRss: number
}): Record<string, unknown> => ({
  commit: "abc1234",
  date: "2026-11-27T00:00:00.000Z",
  "ops-per-task": { effectOps: 3700, effectOpsPerPing: 162 },
  "dispatch-process": dispatch(4.4, o.p50, 6.6),
  "dispatch-docker": dispatch(127, 7.3, 12),
  "throughput-process": { completedPerS: 159, floorPerS: 365, ratioToFloor: 0.44 },
  "throughput-docker": { completedPerS: 12, floorPerS: 15, ratioToFloor: 0.78 },
  placement: {
    pure: [
      { nodes: 10, microsPerPlacement: 6.6 },
      { nodes: 500, microsPerPlacement: 69.8 }
    ],
    rounds: [
      { nodes: 50, queued: 10_000, fillMicrosPerTask: 470, refillMicros: o.refillDeep },
      { nodes: 50, queued: 1000, fillMicrosPerTask: 500, refillMicros: 1500 },
      { nodes: 500, queued: 3000, fillMicrosPerTask: 380, refillMicros: null }
    ]
  },
  "host-scale": [
    scaleRow(50, 1000, 1.3, 17.7),
    scaleRow(500, 1000, o.heartbeat, 20.4),
    scaleRow(500, 10_000, 9.5, 10.2)
  ],
  footprint: { hostIdleMB: o.hostRss, runnerIdleMB: 75.3, stackServerIdleMB: 59.8 }
})

const row = (rows: ReturnType<typeof standing>, figure: string) => {
  const found = rows.find((r) => r.figure.startsWith(figure))
  if (found === undefined) throw new Error(`no row "${figure}"`)
  return found
}

describe("standing", () => {
  const before = fromJson(run({ p50: 5.2, heartbeat: 11, refillDeep: 1600, hostRss: 81 }))
  const now = fromJson(run({ p50: 4.8, heartbeat: 10, refillDeep: 2400, hostRss: 59 }))
  const rows = standing(now, before)

  it("judges each figure of this run against its target, with the last full run's figure beside", () => {
    expect(row(rows, "process dispatch: p50")).toMatchObject({ now: 4.8, before: 5.2, met: true })
    expect(row(rows, "Docker dispatch")).toMatchObject({ now: 7.3, met: true })
    expect(row(rows, "throughput, process")).toMatchObject({ now: 159, met: false })
    expect(row(rows, "throughput, Docker")).toMatchObject({ now: 0.78, met: false })
    expect(row(rows, "idle RSS, host")).toMatchObject({ now: 59, before: 81, met: true })
    expect(row(rows, "idle RSS, runner")).toMatchObject({ now: 75.3, met: false })
    // a count has no target: compared, not judged
    expect(row(rows, "Effect operations")).toMatchObject({ now: 3700, before: 3700, met: undefined })
  })

  it("reads heartbeats at the worst 500-runner cell and status at 500 × 10k", () => {
    expect(row(rows, "heartbeats at 500")).toMatchObject({ now: 10, before: 11, met: false })
    expect(row(rows, "heartbeats at 500").beside).toBe("the stack alone 6.9 % (ours ×1.4 of it)")
    // the 500 × 1k cell's 20.4 ms is not the target's cell
    expect(row(rows, "p99 status")).toMatchObject({ now: 10.2, met: true })
  })

  it("judges placement against a linear growth in nodes and a flat one in queue depth", () => {
    // 69.8 / 6.6 µs for 50 times the nodes
    expect(row(rows, "placement: time a task")).toMatchObject({ now: 0.21, met: true })
    // 2,400 µs at 10k queued against 1,500 at 1k: more than the tolerance; a round with nothing
    // left to place (null) is not compared
    expect(row(rows, "placement: deepest")).toMatchObject({ now: 1.6, before: 1.07, met: false })
  })

  it("leaves out the figures a run did not measure, and the sections that failed", () => {
    const partial = fromJson({ "dispatch-process": dispatch(4, 3, 5), footprint: { error: "Error: boom" } })
    expect(standing(partial, undefined).map((r) => r.figure)).toEqual([
      "process dispatch: p50 overhead, warm (ms)",
      "process dispatch: p99 overhead, warm (ms)"
    ])
    expect(failed({ error: "x" })).toBe(true)
    expect(failed({ p50: 1 })).toBe(false)
  })

  it("reads an earlier run whose JSON lacks a field as not measured then", () => {
    const old = fromJson({ "dispatch-process": {}, "host-scale": [{ runners: 500 }] }) as RunResults
    const compared = standing(now, old)
    expect(row(compared, "process dispatch: p50").before).toBeUndefined()
    expect(row(compared, "heartbeats at 500").before).toBeUndefined()
  })

  it("prints one aligned line a figure under the run it compares with", () => {
    const text = formatStanding(rows, before)
    const lines = text.split("\n")
    expect(lines[0]).toBe("  (before: the full run of abc1234, 2026-11-27T00:00:00.000Z)")
    expect(lines).toHaveLength(rows.length + 2)
    const p50 = lines.find((l) => l.includes("process dispatch: p50"))!
    expect(p50).toMatch(/4\.8\s+5\.2\s+≤ 5\s+met\s+floor p50 4\.4 ms; in one request 4\.5 ms$/)
    // the columns line up: every verdict starts at the same place
    const at = lines
      .slice(2)
      .map((l) => l.search(/ (met|short)( |$)/))
      .filter((i) => i >= 0)
    expect(new Set(at).size).toBe(1)
    expect(formatStanding(rows, undefined).split("\n")[0]).toBe("  (no earlier full run to compare with)")
  })
})
