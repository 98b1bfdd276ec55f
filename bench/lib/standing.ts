/**
 * Where a run stands against issue #7's targets, beside the figures of the last full run
 * (`bench/results/full.json`): the table every `npm run bench` ends with. Each target is judged
 * from this run's own figures; its floor, measured in the same run, is printed beside it.
 */
import type { DispatchResult } from "../dispatch.js"
import type { FootprintResult } from "../footprint.js"
import type { HeartbeatFloors, ScaleResult } from "../hostScale.js"
import type { OpsPerTask } from "../opsPerTask.js"
import type { PlacementRoundResult } from "../placementRound.js"
import type { ThroughputResult } from "../throughput.js"
import { round2 } from "./stats.js"

/** The sections a standing is read from; any may be missing (`--only`, or a section that failed). */
export interface RunResults {
  readonly commit?: string
  readonly date?: string
  readonly mode?: string
  readonly "ops-per-task"?: OpsPerTask
  readonly "dispatch-process"?: DispatchResult
  readonly "dispatch-process-two"?: DispatchResult
  readonly "dispatch-docker"?: DispatchResult
  readonly "throughput-process"?: ThroughputResult
  readonly "throughput-docker"?: ThroughputResult
  readonly placement?: {
    readonly pure: ReadonlyArray<{ readonly nodes: number; readonly microsPerPlacement: number }>
    readonly rounds: ReadonlyArray<PlacementRoundResult>
  }
  readonly "host-scale"?: ReadonlyArray<ScaleResult & HeartbeatFloors>
  readonly footprint?: FootprintResult
}

/** One figure of the standing: this run's value, the last full run's, and the verdict. */
export interface StandingRow {
  readonly figure: string
  /** The target as the issue words it; empty for a figure with no target (a count). */
  readonly target: string
  readonly now: number
  readonly before: number | undefined
  /** Undefined for a figure with no target. */
  readonly met: boolean | undefined
  /** The floor or context measured in the same run. */
  readonly beside: string
}

/** Placement counts as flat in queue depth while its deepest queue takes at most this much longer. */
const flatTolerance = 1.5

interface Target {
  readonly figure: string
  readonly target: string
  readonly read: (r: RunResults) => number | undefined
  readonly meets?: (value: number) => boolean
  readonly beside?: (r: RunResults) => string
}

/** A figure is only judged when the section measured it (not NaN, not missing). */
const finite = (x: number | undefined): number | undefined =>
  x !== undefined && Number.isFinite(x) ? x : undefined

const scaleCell = (r: RunResults, runners: number, tasks?: number) =>
  r["host-scale"]?.filter((row) => row.runners === runners && (tasks === undefined || row.tasks === tasks)) ??
  []

const max = (xs: ReadonlyArray<number>): number | undefined => (xs.length === 0 ? undefined : Math.max(...xs))

const floorP50 = (d: DispatchResult | undefined) =>
  d === undefined
    ? ""
    : `floor p50 ${round2(d.floor.p50)} ms; in one request ${round2(d.overheadOneRequest.p50)} ms`

/**
 * Placement time per task relative to the node count, between the fewest and the most nodes
 * measured: 1 is exactly linear, below 1 better than linear.
 */
const placementToLinear = (r: RunResults): number | undefined => {
  const pure = r.placement?.pure ?? []
  const first = pure[0]
  const last = pure[pure.length - 1]
  if (first === undefined || last === undefined || last.nodes === first.nodes) return undefined
  return round2(last.microsPerPlacement / first.microsPerPlacement / (last.nodes / first.nodes))
}

/** The refill time of the deepest queue over the shallowest, at each node count; the worst. */
const placementDepthRatio = (r: RunResults): number | undefined => {
  const rounds = (r.placement?.rounds ?? []).filter((x) => x.refillMicros !== null)
  const ratios = [...new Set(rounds.map((x) => x.nodes))].flatMap((nodes) => {
    const same = rounds.filter((x) => x.nodes === nodes).sort((a, b) => a.queued - b.queued)
    const shallow = same[0]
    const deep = same[same.length - 1]
    return shallow === undefined || deep === undefined || shallow === deep
      ? []
      : [deep.refillMicros! / shallow.refillMicros!]
  })
  return ratios.length === 0 ? undefined : round2(Math.max(...ratios))
}

/** A target of at most `limit`. */
const atMost = (limit: number) => ({ target: `≤ ${limit}`, meets: (v: number) => v <= limit })

/** A target of at least `limit`. */
const atLeast = (limit: number) => ({ target: `≥ ${limit}`, meets: (v: number) => v >= limit })

type DispatchSection = "dispatch-process" | "dispatch-process-two" | "dispatch-docker"

/** The warm p50 overhead of a dispatch section, its floor beside it. */
const p50Overhead = (figure: string, section: DispatchSection, limit: number): Target => ({
  figure,
  ...atMost(limit),
  read: (r) => r[section]?.overheadCompleted.p50,
  beside: (r) => floorP50(r[section])
})

/** The idle RSS of the host or the runner, the stack's floor beside it. */
const idleRss = (figure: string, read: (f: FootprintResult) => number): Target => ({
  figure,
  ...atMost(60),
  read: (r) => (r.footprint === undefined ? undefined : read(r.footprint)),
  beside: (r) => (r.footprint === undefined ? "" : `the stack alone ${r.footprint.stackServerIdleMB} MB`)
})

const targets: ReadonlyArray<Target> = [
  {
    figure: "Effect operations a task (counted)",
    target: "",
    read: (r) => r["ops-per-task"]?.effectOps,
    beside: (r) => `a GET /ping: ${r["ops-per-task"]?.effectOpsPerPing}`
  },
  p50Overhead("process dispatch: p50 overhead, warm (ms)", "dispatch-process", 5),
  {
    figure: "process dispatch: p99 overhead, warm (ms)",
    ...atMost(20),
    read: (r) => r["dispatch-process"]?.overheadCompleted.p99
  },
  p50Overhead("process dispatch as two processes: p50 overhead (ms)", "dispatch-process-two", 5),
  p50Overhead("Docker dispatch: p50 overhead, warm (ms)", "dispatch-docker", 12),
  {
    figure: "throughput, process: completed (tasks/s)",
    ...atLeast(500),
    read: (r) => r["throughput-process"]?.completedPerS,
    beside: (r) => {
      const t = r["throughput-process"]
      return t === undefined ? "" : `the spawn floor ${t.floorPerS}/s: ${t.ratioToFloor} of it`
    }
  },
  {
    figure: "throughput, Docker: ratio to the floor",
    ...atLeast(0.9),
    read: (r) => r["throughput-docker"]?.ratioToFloor,
    beside: (r) => {
      const t = r["throughput-docker"]
      return t === undefined ? "" : `${t.completedPerS}/s against ${t.floorPerS}/s`
    }
  },
  {
    figure: "heartbeats at 500 runners (% of a core)",
    ...atMost(5),
    read: (r) => max(scaleCell(r, 500).map((row) => row.heartbeatCpuPercentOfCore)),
    beside: (r) => {
      const cells = scaleCell(r, 500)
      const stack = max(cells.map((row) => row.heartbeatStackFloorPercentOfCore))
      const ratio = max(cells.map((row) => row.heartbeatToStackFloor))
      return stack === undefined ? "" : `the stack alone ${stack} % (ours ×${ratio} of it)`
    }
  },
  {
    figure: "p99 status, 500 runners × 10k tasks (ms)",
    ...atMost(20),
    read: (r) => max(scaleCell(r, 500, 10_000).map((row) => row.statusP99Ms)),
    beside: (r) => {
      const probe = max(scaleCell(r, 500, 10_000).map((row) => row.statusProbe.p99Ms))
      return probe === undefined ? "" : `a client of its own: ${probe} ms`
    }
  },
  {
    figure: "placement: time a task against the node count (1 = linear)",
    ...atMost(1),
    read: placementToLinear
  },
  {
    figure: "placement: deepest queue's refill against the shallowest's",
    ...atMost(flatTolerance),
    target: `≤ ${flatTolerance} (flat)`,
    read: placementDepthRatio
  },
  idleRss("idle RSS, host (MB)", (f) => f.hostIdleMB),
  idleRss("idle RSS, runner (MB)", (f) => f.runnerIdleMB)
]

/**
 * A run's results as written to JSON, without the sections that failed (`{ error }`): the shape
 * the standing reads.
 */
export const fromJson = (results: Record<string, unknown>): RunResults =>
  Object.fromEntries(Object.entries(results).filter(([, v]) => !failed(v)))

/** Whether a section's entry in the results is its failure (`{ error }`). */
export const failed = (section: unknown): boolean =>
  typeof section === "object" && section !== null && "error" in section

/** A figure of an earlier run, whose JSON may predate a field: missing then. */
const readSafely = (t: Target, r: RunResults): number | undefined => {
  try {
    return finite(t.read(r))
  } catch {
    return undefined
  }
}

/** The figures this run measured, judged against their targets, with the last full run's beside. */
export const standing = (now: RunResults, before: RunResults | undefined): ReadonlyArray<StandingRow> =>
  targets.flatMap((t) => {
    const value = finite(t.read(now))
    if (value === undefined) return []
    return [
      {
        figure: t.figure,
        target: t.target,
        now: value,
        before: before === undefined ? undefined : readSafely(t, before),
        met: t.meets === undefined ? undefined : t.meets(value),
        beside: t.beside?.(now) ?? ""
      }
    ]
  })

const verdict = (met: boolean | undefined) => (met === undefined ? "" : met ? "met" : "short")

/** The standing as an aligned table, headed by the run it is compared with. */
export const formatStanding = (rows: ReadonlyArray<StandingRow>, before: RunResults | undefined): string => {
  const head =
    before === undefined
      ? "(no earlier full run to compare with)"
      : `(before: the full run of ${before.commit ?? "?"}, ${before.date ?? "?"})`
  const cells = [
    ["figure", "now", "before", "target", "", "measured beside it"],
    ...rows.map((r) => [
      r.figure,
      String(round2(r.now)),
      r.before === undefined ? "" : String(round2(r.before)),
      r.target,
      verdict(r.met),
      r.beside
    ])
  ]
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)))
  const lines = cells.map((row) => `  ${row.map((c, i) => c.padEnd(widths[i]!)).join("  ")}`.trimEnd())
  return [`  ${head}`, ...lines].join("\n")
}
