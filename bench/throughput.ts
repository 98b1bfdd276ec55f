/**
 * Throughput: N trivial tasks over 4 runners on loopback (127.0.0.2–5), tasks/s submitted and
 * completed, against the floor of the executor run directly in a loop with the same concurrency.
 * Both sides run in two halves, floor–ours–ours–floor, once the cluster is warm (`warmUp.ts`).
 */
import { performance } from "node:perf_hooks"
import { connect } from "@hakuriver/sdk"
import { join } from "node:path"
import { cluster, cpuMsOf, treeCpuMsOf } from "./lib/cluster.js"
import { dockerOnce, dockerReady, prepareBenchEnv } from "./lib/dockerFloor.js"
import { pool, timedSpawn } from "./lib/floor.js"
import { type CpuPerTask, cpuMeter } from "./lib/machineCpu.js"
import { round2 } from "./lib/stats.js"
import { warmUp } from "./lib/warmUp.js"

export interface ThroughputResult {
  readonly executor: "process" | "docker"
  readonly tasks: number
  readonly runners: number
  readonly concurrency: number
  readonly submittedPerS: number
  readonly completedPerS: number
  readonly floorPerS: number
  readonly ratioToFloor: number
  /**
   * CPU per task of the floor's phases and of ours (the submitters' phases): the whole machine,
   * the Docker engine's daemons, and (ours) the host and runners. With the cores kept busy, the
   * ratio to the floor follows the machine's CPU per task.
   */
  readonly cpuPerTask: { readonly floor: CpuPerTask; readonly ours: CpuPerTask }
  /**
   * The process tasks run first, on the fresh cluster, to warm it (16 submitters): their rate and
   * CPU per task. The figures above are measured after them.
   */
  readonly cold: { readonly tasks: number; readonly completedPerS: number; readonly cpuPerTask: CpuPerTask }
  /** Completed per second when the same tasks come as one batch submission (process only). */
  readonly batchCompletedPerS?: number
  /**
   * CPU per task during the batch (process only): the host, the runners and their spawn helpers
   * (each summed), and this client; the tasks' own processes are not counted.
   */
  readonly batchCpuMsPerTask?: {
    readonly host: number
    readonly runners: number
    readonly helpers: number
    readonly client: number
  }
}

/** This process's CPU time (user + system) in milliseconds. */
const ownCpuMs = () => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

const RUNNERS = 4
const SLOTS_PER_RUNNER = 2 // each runner offers 2 cores; tasks ask for 1

export const throughput = async (
  executor: "process" | "docker",
  tasks: number,
  warmTasks: number
): Promise<ThroughputResult | undefined> => {
  if (executor === "docker" && !(await dockerReady())) {
    console.log("  docker: no engine or no test image; skipped")
    return undefined
  }
  const nodes = await cluster(executor, RUNNERS, SLOTS_PER_RUNNER)
  const procs = [nodes.host, ...nodes.runners]
  try {
    const client = connect({ url: nodes.url })
    const container = executor === "docker" ? "bench" : "NULL"
    if (executor === "docker") prepareBenchEnv(join(nodes.dataDir, "shared"))
    const command = ["true"]
    // first Docker task loads the env image
    await client.wait((await client.submit({ command, container })).taskIds)
    // the host's and runners' code warmed by process tasks (bench/lib/warmUp.ts), 16 submitters
    // as below: what it took is the fresh cluster's cold rate
    const coldCpu = cpuMeter({
      host: nodes.host.child.pid ?? 0,
      runners: nodes.runners.map((r) => r.child.pid ?? 0)
    })
    const cold = await coldCpu.measure(warmTasks, () => warmUp(client, warmTasks, "NULL", 16))

    const concurrency = RUNNERS * SLOTS_PER_RUNNER
    const floorRun = (n: number, first: number) =>
      executor === "docker"
        ? pool(n, concurrency, (i) => dockerOnce(100_000 + first + i, command, nodes.dataDir))
        : pool(n, concurrency, () => timedSpawn(command, join(nodes.dataDir, "floor")))
    /** `n` tasks from 16 submitters at once: when all were submitted, and when all had completed. */
    const oursRun = async (n: number) => {
      const t0 = performance.now()
      const ids: Array<string> = []
      await pool(n, 16, async () => {
        const { taskIds } = await client.submit({ command, container })
        ids.push(...taskIds)
      })
      const submitMs = performance.now() - t0
      const final = await client.wait(ids, { pollInterval: 60 })
      const bad = final.filter((t) => t.status !== "completed")
      if (bad.length > 0)
        throw new Error(`${bad.length} tasks did not complete: ${bad[0]?.status} ${bad[0]?.error}`)
      return { submitMs, completeMs: performance.now() - t0 }
    }
    // In two halves each, floor–ours–ours–floor, so that a drift of the machine over the section
    // reaches both sides alike (as one block each, the Docker ratio moved 0.71–0.98 between runs).
    const floorCpu = cpuMeter()
    const oursCpu = cpuMeter({
      host: nodes.host.child.pid ?? 0,
      runners: nodes.runners.map((r) => r.child.pid ?? 0)
    })
    const half = Math.floor(tasks / 2)
    const floorMsFirst = await floorCpu.measure(half, () => floorRun(half, 0))
    const oursFirst = await oursCpu.measure(half, () => oursRun(half))
    const oursSecond = await oursCpu.measure(tasks - half, () => oursRun(tasks - half))
    const floorMs = floorMsFirst + (await floorCpu.measure(tasks - half, () => floorRun(tasks - half, half)))
    const submitMs = oursFirst.submitMs + oursSecond.submitMs
    const completeMs = oursFirst.completeMs + oursSecond.completeMs

    // the same tasks as one batch (a sweep): the host is not busy with N submit requests meanwhile
    let batchCompletedPerS: number | undefined
    let batchCpuMsPerTask: ThroughputResult["batchCpuMsPerTask"]
    if (executor === "process") {
      const pids = procs.map((p) => p.child.pid ?? 0)
      const cpu = () => ({
        host: cpuMsOf(pids[0] ?? 0),
        runners: pids.slice(1).reduce((sum, pid) => sum + cpuMsOf(pid), 0),
        helpers: pids.slice(1).reduce((sum, pid) => sum + treeCpuMsOf(pid) - cpuMsOf(pid), 0),
        client: ownCpuMs()
      })
      const before = cpu()
      const t1 = performance.now()
      const batch = await client.submitBatch(Array.from({ length: tasks }, () => ({ command, container })))
      const done = await client.wait(batch.taskIds)
      if (done.some((t) => t.status !== "completed")) throw new Error("batch tasks did not complete")
      batchCompletedPerS = Math.round((tasks / (performance.now() - t1)) * 1000)
      const after = cpu()
      const per = (key: "host" | "runners" | "helpers" | "client") =>
        round2((after[key] - before[key]) / tasks)
      batchCpuMsPerTask = {
        host: per("host"),
        runners: per("runners"),
        helpers: per("helpers"),
        client: per("client")
      }
    }

    const result: ThroughputResult = {
      executor,
      tasks,
      runners: RUNNERS,
      concurrency,
      submittedPerS: Math.round((tasks / submitMs) * 1000),
      completedPerS: Math.round((tasks / completeMs) * 1000),
      floorPerS: Math.round((tasks / floorMs) * 1000),
      ratioToFloor: Math.round((floorMs / completeMs) * 1000) / 1000,
      cpuPerTask: { floor: floorCpu.perTask(), ours: oursCpu.perTask() },
      cold: { tasks: warmTasks, completedPerS: cold.completedPerS, cpuPerTask: coldCpu.perTask() },
      ...(batchCompletedPerS === undefined ? {} : { batchCompletedPerS }),
      ...(batchCpuMsPerTask === undefined ? {} : { batchCpuMsPerTask })
    }
    const c = result.cold.cpuPerTask
    console.log(
      `  cold: the fresh cluster's first ${warmTasks} process tasks completed at ${result.cold.completedPerS}/s; ` +
        `CPU per task: machine ${c.machine} ms, host ${c.host}, runners ${c.runners}`
    )
    console.log(
      `  warm: ${tasks} tasks, ${RUNNERS} runners, concurrency ${concurrency}: submitted ${result.submittedPerS}/s, completed ${result.completedPerS}/s`
    )
    console.log(
      `  floor (${executor} directly, same concurrency): ${result.floorPerS}/s → ratio ${result.ratioToFloor}`
    )
    const { floor: f, ours: o } = result.cpuPerTask
    console.log(
      `  CPU per task, floor → ours: machine ${f.machine} → ${o.machine} ms (engine ${f.engine} → ${o.engine}, ` +
        `our host ${o.host}, runners ${o.runners}); floor/ours ${Math.round((f.machine / o.machine) * 100) / 100}`
    )
    if (batchCompletedPerS !== undefined && batchCpuMsPerTask !== undefined)
      console.log(
        `  the same ${tasks} tasks submitted as one batch: completed ${batchCompletedPerS}/s; CPU per task: ` +
          `host ${batchCpuMsPerTask.host} ms, runners ${batchCpuMsPerTask.runners} ms, their spawn helpers ` +
          `${batchCpuMsPerTask.helpers} ms, client ${batchCpuMsPerTask.client} ms`
      )
    return result
  } finally {
    await nodes.close()
  }
}
