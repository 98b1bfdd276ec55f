/**
 * Where a trivial task's time goes: `hakuriver up` (process executor) with `HAKURIVER_TRACE_FILE`,
 * tasks submitted one at a time once it is warm, and each span of the task's way placed on a
 * timeline from the client's submit (median start and end over the tasks). Tracing costs time of its own, so the
 * total here is above the dispatch section's: read the steps against each other.
 */
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { connect, SpanFile } from "@hakuriver/sdk"
import { tempDir, up } from "./lib/cluster.js"
import { sleep } from "./lib/sleep.js"
import { round2, summarize } from "./lib/stats.js"
import { warmUp } from "./lib/warmUp.js"

export interface TimelineStep {
  readonly step: string
  /** Milliseconds from the client's submit: median start and end over the tasks. */
  readonly startMs: number
  readonly endMs: number
  /** In how many of the tasks the step was seen. */
  readonly seen: number
}

const nowMicros = () => Math.round((performance.timeOrigin + performance.now()) * 1000)

/** A span's step: its name, with the route of an HTTP span and the side (host or runner) it serves or calls. */
const stepOf = (span: SpanFile.SpanLine, hostUrl: string) => {
  const route = span.attributes["http.route"] ?? span.attributes["url.path"]
  const url = span.attributes["url.full"]
  if (typeof route !== "string" || !span.name.startsWith("http.")) return span.name
  const side = typeof url === "string" && url.startsWith(hostUrl) ? "host" : "runner"
  return `${span.name} ${route} (${span.name.startsWith("http.client") ? "to the " : ""}${side})`
}

export const timeline = async (tasks: number, warmTasks: number): Promise<ReadonlyArray<TimelineStep>> => {
  const dir = tempDir("hr-bench-tl-")
  const file = join(dir.path, "spans.jsonl")
  const traced = await up("process", { HAKURIVER_TRACE_FILE: file })
  const windows: Array<{ readonly t0: number; readonly submitted: number; readonly done: number }> = []
  try {
    const client = connect({ url: traced.url })
    // warm, as the dispatch samples (bench/lib/warmUp.ts)
    await warmUp(client, warmTasks)
    for (let i = 0; i < tasks; i++) {
      const t0 = nowMicros()
      const { taskIds } = await client.submit({ command: ["true"], container: "NULL" })
      const submitted = nowMicros()
      await client.wait(taskIds)
      windows.push({ t0, submitted, done: nowMicros() })
      // apart, so that no task's spans fall into the next one's window
      await sleep(20)
    }
  } finally {
    await traced.close()
    dir.remove()
  }
  const spans = [...SpanFile.read(file)].sort((a, b) => a.start - b.start)
  const steps = new Map<string, { starts: Array<number>; ends: Array<number> }>()
  const add = (step: string, start: number, end: number) => {
    const s = steps.get(step) ?? { starts: [], ends: [] }
    s.starts.push(start / 1000)
    s.ends.push(end / 1000)
    steps.set(step, s)
  }
  for (const w of windows) {
    add("(client) submit answered", w.submitted - w.t0, w.submitted - w.t0)
    add("(client) wait answered", w.done - w.t0, w.done - w.t0)
    const count = new Map<string, number>()
    for (const span of spans) {
      if (span.start < w.t0 || span.start > w.done) continue
      const step = stepOf(span, traced.url)
      const n = (count.get(step) ?? 0) + 1
      count.set(step, n)
      add(n === 1 ? step : `${step} (${n})`, span.start - w.t0, span.end - w.t0)
    }
  }

  const rows = [...steps]
    // a step of most tasks, not a heartbeat that fell into a few windows
    .filter(([, s]) => s.starts.length >= windows.length * 0.8)
    .map(([step, s]) => ({
      step,
      startMs: round2(summarize(s.starts).p50),
      endMs: round2(summarize(s.ends).p50),
      seen: s.starts.length
    }))
    .sort((a, b) => a.startMs - b.startMs || b.endMs - a.endMs)
  console.log(`  a trivial task's way, traced (median ms from the client's submit, n=${windows.length}):`)
  for (const r of rows) {
    const span =
      r.endMs === r.startMs
        ? ""
        : ` → ${r.endMs.toFixed(2).padStart(7)} (${(r.endMs - r.startMs).toFixed(2)})`
    console.log(`  ${r.startMs.toFixed(2).padStart(7)}${span.padEnd(20)}  ${r.step}`)
  }
  return rows
}
