/**
 * Human views of tasks, nodes and health for the `hakuriver` commands.
 *
 * @since 0.1.0
 */
import type { FailedTarget, HealthReport, NodeView, SubmitResponse, Task } from "@hakuriver/sdk"
import { formatMemory, humanBytes } from "@hakuriver/sdk"
import { table } from "./table.js"

const dash = "-"

/** `2026-11-25T18:01:02.345Z` → `2026-11-25 18:01:02`. */
const shortTime = (iso: string | null): string =>
  iso === null ? dash : iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "")

const commandLine = (command: ReadonlyArray<string>): string => {
  const text = command.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(" ")
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

const where = (t: Task): string => t.node ?? t.target ?? dash

/**
 * A table of tasks: id, status, exit code, node, container, submitted, command.
 * @category formatting
 */
export const tasksTable = (tasks: ReadonlyArray<Task>): string =>
  tasks.length === 0
    ? "no tasks"
    : table(
        ["TASK", "STATUS", "EXIT", "NODE", "CONTAINER", "SUBMITTED", "COMMAND"],
        tasks.map((t) => [
          t.taskId,
          t.status,
          t.exitCode === null ? dash : String(t.exitCode),
          where(t),
          t.container,
          shortTime(t.submittedAt),
          commandLine(t.command)
        ])
      )

/**
 * One task in detail, a `key: value` per line.
 * @category formatting
 */
export const taskDetail = (t: Task): string => {
  const rows: Array<readonly [string, string]> = [
    ["task", t.taskId],
    ["status", t.status],
    ["exit code", t.exitCode === null ? dash : String(t.exitCode)],
    ["batch", t.batchId],
    ["command", commandLine(t.command)],
    ["target", t.target ?? "(placed by the host)"],
    ["node", t.node ?? dash],
    ["container", t.container],
    ["cores", String(t.cores)],
    ["memory", t.memoryBytes === null ? "(no limit)" : formatMemory(t.memoryBytes)],
    ["gpus", t.gpus.length === 0 ? dash : t.gpus.join(",")],
    ["numa node", t.numaNode === null ? dash : String(t.numaNode)],
    ["submitted", shortTime(t.submittedAt)],
    ["started", shortTime(t.startedAt)],
    ["finished", shortTime(t.finishedAt)]
  ]
  // placed more than once: a runner could not take it (busy, unreachable, or its answer was lost)
  if (t.attempt > 1) rows.push(["placements", String(t.attempt)])
  if (t.error !== null) rows.push(["error", t.error])
  const width = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`).join("\n")
}

/**
 * The answer to a submission: the batch, each task and each refused target.
 * @category formatting
 */
export const submitted = (response: SubmitResponse, targets: ReadonlyArray<string>): string => {
  const lines: Array<string> = []
  const n = response.taskIds.length
  if (n > 0) {
    lines.push(`submitted ${n} task${n === 1 ? "" : "s"} (batch ${response.batchId})`)
    response.taskIds.forEach((id, i) => {
      const target = targets.length === n ? targets[i] : undefined
      lines.push(`  ${id}${target === undefined ? "" : `  ${target}`}`)
    })
  }
  for (const f of response.failedTargets) lines.push(refused(f))
  return lines.join("\n")
}

/** One refused target. @category formatting */
export const refused = (f: FailedTarget): string => `refused ${f.target}: ${f.reason}`

const gpuSummary = (n: NodeView): string =>
  n.gpus.length === 0
    ? dash
    : `${n.gpus.length}x ${n.gpus[0]?.name ?? "GPU"}${n.allocated.gpus.length > 0 ? ` (${n.allocated.gpus.length} used)` : ""}`

/**
 * A table of nodes: name, status, cores (allocated/total), memory, NUMA nodes, GPUs, executors.
 * @category formatting
 */
export const nodesTable = (nodes: ReadonlyArray<NodeView>): string =>
  nodes.length === 0
    ? "no nodes have registered yet (start one with: hakuriver runner)"
    : table(
        ["NODE", "STATUS", "CORES", "MEMORY", "NUMA", "GPUS", "TASKS", "EXECUTORS", "URL"],
        nodes.map((n) => [
          n.name,
          n.status,
          `${n.allocated.cores}/${n.cores}`,
          `${humanBytes(n.allocated.memoryBytes)}/${humanBytes(n.memoryBytes)}`,
          n.numa.length === 0 ? dash : String(n.numa.length),
          gpuSummary(n),
          String(n.allocated.tasks),
          n.executors.join(",") || dash,
          n.url
        ])
      )

const percent = (p: number | null | undefined): string =>
  p === null || p === undefined ? dash : `${p.toFixed(1)}%`

/**
 * The cluster totals and a line per node with its usage, temperatures and GPUs.
 * @category formatting
 */
export const healthView = (report: HealthReport): string => {
  const a = report.aggregate
  const lines = [
    `nodes ${a.nodesOnline}/${a.nodesTotal} online · cores ${a.coresAllocated}/${a.cores} allocated · memory ${humanBytes(a.memoryAllocatedBytes)}/${humanBytes(a.memoryBytes)} allocated · cpu ${percent(a.avgCpuPercent)} · mem ${percent(a.avgMemoryPercent)} · GPUs ${a.gpus} · tasks ${a.tasksRunning} running, ${a.tasksPending} pending`,
    ""
  ]
  if (report.nodes.length === 0) return lines[0] ?? ""
  lines.push(
    table(
      ["NODE", "STATUS", "CPU", "MEMORY", "TEMP", "GPUS", "LAST HEARTBEAT"],
      report.nodes.map((n) => {
        const u = n.usage
        const temp =
          u === null || u.temperatures.length === 0
            ? dash
            : `${Math.max(...u.temperatures.map((t) => t.celsius)).toFixed(0)}°C`
        const gpus =
          u === null || u.gpus.length === 0
            ? dash
            : u.gpus
                .map(
                  (g) =>
                    `#${g.index} ${percent(g.utilizationPercent)}${g.temperatureC === undefined ? "" : ` ${g.temperatureC}°C`}`
                )
                .join(" ")
        return [
          n.name,
          n.status,
          u === null ? dash : percent(u.cpuPercent),
          u === null ? dash : `${humanBytes(u.memoryUsedBytes)} (${percent(u.memoryPercent)})`,
          temp,
          gpus,
          shortTime(n.lastHeartbeatAt)
        ]
      })
    )
  )
  return lines.join("\n")
}
