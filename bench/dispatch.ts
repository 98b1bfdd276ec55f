/**
 * Dispatch latency: submit → running and submit → completed of a trivial task, from the host's
 * own timestamps and from the client's view (submit + long-poll wait), against the floor of the
 * executor's bare work with the same options.
 */
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { connect } from "@hakuriver/sdk"
import { up } from "./lib/cluster.js"
import { dockerFloor, dockerReady, prepareBenchEnv } from "./lib/dockerFloor.js"
import { timedSpawn } from "./lib/floor.js"
import { fmt, overhead, type Summary, summarize } from "./lib/stats.js"

export interface DispatchResult {
  readonly executor: "process" | "docker"
  readonly tasks: number
  readonly floor: Summary
  readonly clientCompleted: Summary
  readonly hostRunning: Summary
  readonly hostCompleted: Summary
  readonly overheadCompleted: ReturnType<typeof overhead>
}

const ms = (a: string | null, b: string | null) =>
  a === null || b === null ? Number.NaN : new Date(b).getTime() - new Date(a).getTime()

export const dispatch = async (
  executor: "process" | "docker",
  tasks: number
): Promise<DispatchResult | undefined> => {
  const command = ["true"]
  let floorSamples: Array<number> = []
  if (executor === "docker") {
    if (!(await dockerReady())) {
      console.log("  docker: no engine or no test image; skipped (run scripts/test-env.sh)")
      return undefined
    }
  }
  const cluster = await up(executor)
  try {
    const client = connect({ url: cluster.url })
    const container = executor === "docker" ? "bench" : "NULL"
    if (executor === "docker") prepareBenchEnv(join(cluster.dataDir, "shared"))
    if (executor === "docker") floorSamples = await dockerFloor(cluster.dataDir, tasks, command)
    else
      for (let i = 0; i < tasks; i++)
        floorSamples.push(await timedSpawn(command, join(cluster.dataDir, "floor")))
    // warm-up
    for (let i = 0; i < 5; i++) {
      const { taskIds } = await client.submit({ command, container })
      await client.wait(taskIds)
    }
    const clientView: Array<number> = []
    const ids: Array<string> = []
    for (let i = 0; i < tasks; i++) {
      const t0 = performance.now()
      const { taskIds } = await client.submit({ command, container })
      await client.wait(taskIds)
      clientView.push(performance.now() - t0)
      ids.push(...taskIds)
    }
    const done = await client.tasks({ limit: tasks + 10 })
    const mine = done.filter((t) => ids.includes(t.taskId))
    const failed = mine.filter((t) => t.status !== "completed")
    if (failed.length > 0)
      throw new Error(`${failed.length} bench tasks did not complete: ${failed[0]?.error}`)
    const floor = summarize(floorSamples)
    const clientCompleted = summarize(clientView)
    const result: DispatchResult = {
      executor,
      tasks,
      floor,
      clientCompleted,
      hostRunning: summarize(mine.map((t) => ms(t.submittedAt, t.startedAt))),
      hostCompleted: summarize(mine.map((t) => ms(t.submittedAt, t.finishedAt))),
      overheadCompleted: overhead(clientCompleted, floor)
    }
    console.log(
      `  floor (${executor === "docker" ? "dockerode create+start+wait+remove" : "spawn true, logs to new files"}): ${fmt(floor)}`
    )
    console.log(`  client submit→completed:  ${fmt(clientCompleted)}`)
    console.log(`  host submit→running:      ${fmt(result.hostRunning)}`)
    console.log(`  host submit→completed:    ${fmt(result.hostCompleted)}`)
    console.log(
      `  overhead (client − floor): p50 ${result.overheadCompleted.p50} ms, p95 ${result.overheadCompleted.p95} ms, p99 ${result.overheadCompleted.p99} ms`
    )
    return result
  } finally {
    await cluster.close()
  }
}
