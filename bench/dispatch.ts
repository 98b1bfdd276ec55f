/**
 * Dispatch latency: submit → running and submit → completed of a trivial task, from the host's
 * own timestamps and from the client's view, against the floor of the executor's bare work with
 * the same options. The client learns the end in two requests (a submit, then a long-poll
 * `wait`: the figure of every session) and in one (a submit that waits, `submitAndWait`).
 *
 * The samples are those of warm processes (`lib/warmUp.ts`); the process sections also take them
 * right after start, before the warm-up (`cold`).
 *
 * The floor's samples and ours alternate (which goes first rotates too), so that
 * the machine's drift over the section (other load, the disk, the engine) reaches both alike: taken
 * as two blocks, the Docker overhead moved between 11 and 22 ms from one run to the next. Each
 * sample starts on a settled machine: the floor removes its container before it ends, and after
 * one of ours the section waits until the runner has removed the task's container (after it
 * reported the end), so neither sample pays for the other's clean-up.
 */
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { connect } from "@hakuriver/sdk"
import { cluster as twoProcesses, up } from "./lib/cluster.js"
import { containerGone, dockerOnce, dockerReady, prepareBenchEnv } from "./lib/dockerFloor.js"
import { timedSpawn } from "./lib/floor.js"
import { fmt, overhead, type Summary, summarize } from "./lib/stats.js"
import { submitThrough, type WarmUp, type Way, warmUp } from "./lib/warmUp.js"

/**
 * Where host and runner run: both in one `hakuriver up` (the embedded default, one event loop for
 * both), or each as a process of its own, as in a cluster.
 */
export type Topology = "embedded" | "two processes"

const wayOrder: readonly [Way, Way] = ["submit, then wait", "one request"]

export interface DispatchResult {
  readonly executor: "process" | "docker"
  readonly topology: Topology
  readonly tasks: number
  readonly floor: Summary
  /** Submit → completed from the client's view: a submit, then a long-poll `wait`. */
  readonly clientCompleted: Summary
  /** The same in one request: a submit that waits (`submitAndWait`). */
  readonly clientOneRequest: Summary
  readonly overheadOneRequest: ReturnType<typeof overhead>
  readonly hostRunning: Summary
  readonly hostCompleted: Summary
  readonly overheadCompleted: ReturnType<typeof overhead>
  /** The process tasks run before the samples above (`warmUp.ts`), and their rate. */
  readonly warmUp: WarmUp
  /** The same samples taken before the warm-up, right after start (process executor only). */
  readonly cold?: {
    readonly floor: Summary
    readonly clientCompleted: Summary
    readonly overheadCompleted: ReturnType<typeof overhead>
    readonly clientOneRequest: Summary
    readonly overheadOneRequest: ReturnType<typeof overhead>
  }
}

const ms = (a: string | null, b: string | null) =>
  a === null || b === null ? Number.NaN : new Date(b).getTime() - new Date(a).getTime()

export const dispatch = async (
  executor: "process" | "docker",
  tasks: number,
  warmTasks: number,
  topology: Topology = "embedded"
): Promise<DispatchResult | undefined> => {
  const command = ["true"]
  if (executor === "docker") {
    if (!(await dockerReady())) {
      console.log("  docker: no engine or no test image; skipped (run scripts/test-env.sh)")
      return undefined
    }
  }
  const cluster = topology === "embedded" ? await up(executor) : await twoProcesses(executor, 1)
  try {
    const client = connect({ url: cluster.url })
    const container = executor === "docker" ? "bench" : "NULL"
    if (executor === "docker") prepareBenchEnv(join(cluster.dataDir, "shared"))
    const floorOnce = (i: number): Promise<number> =>
      executor === "docker"
        ? dockerOnce(i, command, cluster.dataDir)
        : timedSpawn(command, join(cluster.dataDir, "floor"))
    /** One task of ours: a submit that waits (one request), or a submit and then a `wait`. */
    const oursOnce = async (way: Way): Promise<{ readonly ms: number; readonly taskId: string }> => {
      const t0 = performance.now()
      const { taskIds } = await submitThrough(client, { command, container }, way)
      const elapsed = performance.now() - t0
      if (executor === "docker") await containerGone(taskIds[0]!)
      return { ms: elapsed, taskId: taskIds[0]! }
    }
    /**
     * `n` samples of the floor and `n` of each way of ours, taken in turn (which goes first
     * rotates, and each way comes right after the floor as often as the other).
     */
    const sampleAlternating = async (n: number, first: number) => {
      const floorSamples: Array<number> = []
      const views: Record<Way, Array<number>> = { "one request": [], "submit, then wait": [] }
      const ids: Array<string> = []
      for (let i = 0; i < n; i++) {
        const floorSample = async () => void floorSamples.push(await floorOnce(first + i))
        const oursSample = (way: Way) => async () => {
          const { ms, taskId } = await oursOnce(way)
          views[way].push(ms)
          ids.push(taskId)
        }
        // a sample taken right after the floor's was 0.5–1 ms slower (RESULTS.md, change 75), so
        // each way follows the floor equally often: the turn goes one way round for three
        // samples, the other way for the next three
        const [a, b] = Math.floor(i / 3) % 2 === 0 ? wayOrder : [wayOrder[1], wayOrder[0]]
        const turn = [floorSample, oursSample(a), oursSample(b)]
        for (let k = 0; k < turn.length; k++) await turn[(i + k) % turn.length]!()
      }
      const floor = summarize(floorSamples)
      const clientCompleted = summarize(views["submit, then wait"])
      const clientOneRequest = summarize(views["one request"])
      return {
        summary: {
          floor,
          clientCompleted,
          overheadCompleted: overhead(clientCompleted, floor),
          clientOneRequest,
          overheadOneRequest: overhead(clientOneRequest, floor)
        },
        ids
      }
    }
    for (let i = 0; i < 5; i++) {
      await floorOnce(3 * tasks + i)
      await oursOnce(i % 2 === 0 ? "one request" : "submit, then wait")
    }
    // cold: the first samples of a fresh `up` (process only: a Docker sample takes ten times as long)
    const cold = executor === "process" ? (await sampleAlternating(tasks, 2 * tasks)).summary : undefined
    const warm = await warmUp(client, warmTasks)
    const { summary, ids } = await sampleAlternating(tasks, 0)
    const { floor, clientCompleted, overheadCompleted, clientOneRequest, overheadOneRequest } = summary
    const done = await client.tasks({ limit: 2 * tasks + 10 })
    const mine = done.filter((t) => ids.includes(t.taskId))
    const failed = mine.filter((t) => t.status !== "completed")
    if (failed.length > 0)
      throw new Error(`${failed.length} bench tasks did not complete: ${failed[0]?.error}`)
    const result: DispatchResult = {
      executor,
      topology,
      tasks,
      floor,
      clientCompleted,
      hostRunning: summarize(mine.map((t) => ms(t.submittedAt, t.startedAt))),
      hostCompleted: summarize(mine.map((t) => ms(t.submittedAt, t.finishedAt))),
      overheadCompleted,
      clientOneRequest,
      overheadOneRequest,
      warmUp: warm,
      ...(cold === undefined ? {} : { cold })
    }
    const floorName =
      executor === "docker" ? "dockerode create+start+wait+remove" : "spawn true, logs to new files"
    const overheadLine = (o: ReturnType<typeof overhead>) =>
      `p50 ${o.p50} ms, p95 ${o.p95} ms, p99 ${o.p99} ms`
    console.log(`  host and runner: ${topology === "embedded" ? "one hakuriver up" : "two processes"}`)
    if (cold !== undefined) {
      console.log("  cold (right after start):")
      console.log(`    floor (${floorName}): ${fmt(cold.floor)}`)
      console.log(`    client submit→completed:  ${fmt(cold.clientCompleted)}`)
      console.log(`    overhead (client − floor): ${overheadLine(cold.overheadCompleted)}`)
      console.log(`    the same in one request:  ${fmt(cold.clientOneRequest)}`)
      console.log(`    overhead (client − floor): ${overheadLine(cold.overheadOneRequest)}`)
    }
    console.log(`  warm (after ${warm.tasks} process tasks, 8 at a time, cold at ${warm.completedPerS}/s):`)
    console.log(`    floor (${floorName}): ${fmt(floor)}`)
    console.log(`    client submit→completed:  ${fmt(clientCompleted)}`)
    console.log(`    overhead (client − floor): ${overheadLine(overheadCompleted)}`)
    console.log(`    the same in one request:  ${fmt(clientOneRequest)}`)
    console.log(`    overhead (client − floor): ${overheadLine(overheadOneRequest)}`)
    console.log(`    host submit→running:      ${fmt(result.hostRunning)}`)
    console.log(`    host submit→completed:    ${fmt(result.hostCompleted)}`)
    return result
  } finally {
    await cluster.close()
  }
}
