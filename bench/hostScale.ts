/**
 * Host scale: simulated runners (all in this process, one HTTP server answering for all of them:
 * they register, heartbeat on the configured interval, accept tasks and complete them at once)
 * and a burst of queued tasks. Each simulated runner heartbeats over its own connection (an undici
 * agent, as a real runner's), so what a real runner costs the host per connection is counted. Reports host CPU and RSS, p99 of submit, status and heartbeat, and
 * the pure placement time per task as nodes grow.
 */
import { setMaxListeners } from "node:events"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { performance } from "node:perf_hooks"
import { setTimeout as delay } from "node:timers/promises"
import { Either } from "effect"
import { Agent, request } from "undici"
import {
  clusterEnv,
  cpuMsOf,
  freePort,
  rssOf,
  type Proc,
  startBareHost,
  startCli,
  startStackHost,
  stop,
  tempDir
} from "./lib/cluster.js"
import { pool } from "./lib/floor.js"
import { sleep } from "./lib/sleep.js"
import { round1, summarize } from "./lib/stats.js"
import { statusProber } from "./lib/statusProber.js"
import { Scheduler } from "@hakuriver/host"
import type { NodeName } from "@hakuriver/sdk"

export interface ScaleResult {
  readonly runners: number
  readonly tasks: number
  readonly hostRssMB: number
  readonly heartbeatCpuPercentOfCore: number
  readonly burstCpuPercentOfCore: number
  readonly submitP99Ms: number
  readonly statusP99Ms: number
  /** The median `status` read during the burst (its p99 is one of ~100 reads at 1k tasks). */
  readonly statusP50Ms: number
  /**
   * The same reads from a client of its own (`lib/statusProbe.mjs`, one read every 20 ms): the
   * generator's reads also wait for its own event loop, busy with the simulated runners.
   */
  readonly statusProbe: {
    readonly reads: number
    readonly p50Ms: number
    readonly p99Ms: number
    readonly maxMs: number
  }
  readonly heartbeatP99Ms: number
  readonly completedPerS: number
}

const HEARTBEAT_S = 5
// undici's `request`, not `fetch`: the load generator shares the host's two cores, and `fetch`
// costs it about twice the CPU per request
const shared = new Agent()
const call = async (url: string, body?: unknown, dispatcher: Agent = shared) => {
  const res = await request(url, {
    dispatcher,
    ...(body === undefined
      ? {}
      : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  })
  const text = await res.body.text()
  if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${text}`)
  return text.length > 0 ? JSON.parse(text) : undefined
}
const timed = async <A>(samples: Array<number>, f: () => Promise<A>): Promise<A> => {
  const t0 = performance.now()
  const a = await f()
  samples.push(performance.now() - t0)
  return a
}

/**
 * The simulated runners' server: accepts a task and reports it running and completed in one
 * request, as a real runner does for a task that ends at once (its outbox holds a start up to
 * 10 ms for the end to join it).
 */
const simServer = (hostUrl: string, onDone: () => void): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer((req, res) => {
      let body = ""
      req.on("data", (c) => {
        body += c
      })
      req.on("end", () => {
        if (req.method === "POST" && req.url === "/tasks") {
          const task = JSON.parse(body) as { taskId: string }
          res.writeHead(200, { "content-type": "application/json" })
          res.end(JSON.stringify({ taskId: task.taskId, executor: "process" }))
          const at = new Date().toISOString()
          void call(`${hostUrl}/tasks/status`, {
            updates: [
              { taskId: task.taskId, status: "running", at },
              { taskId: task.taskId, status: "completed", exitCode: 0, at }
            ]
          }).then(onDone, (e) => console.error("  sim report failed:", String(e)))
          return
        }
        res.writeHead(204)
        res.end()
      })
    })
    server.listen(0, "127.0.0.1", () => resolve(server))
  })

const nodeInfo = (name: string, url: string) => ({
  name,
  url,
  cores: 4,
  memoryBytes: 8_000_000_000,
  numa: [{ id: 0, cpus: [0, 1, 2, 3], memoryBytes: 8_000_000_000 }],
  gpus: [],
  executors: ["process"]
})
const heartbeat = (name: string) => ({
  name,
  usage: { cpuPercent: 1, memoryUsedBytes: 1_000_000_000, memoryPercent: 12.5, temperatures: [], gpus: [] },
  runningTaskIds: []
})

/** Simulated runners that register with `hostUrl` and heartbeat on the interval until stopped. */
const simulatedRunners = async (hostUrl: string, runnerUrl: string, runners: number, warmBeats: number) => {
  const names = Array.from({ length: runners }, (_, i) => `sim${String(i).padStart(4, "0")}`)
  const heartbeatMs: Array<number> = []
  // one agent per simulated runner: a real runner is one process with its own connection
  const agents = names.map(() => new Agent())
  // stopping ends each runner's wait for its next beat at once (no interval's wait at each stop)
  const stopped = new AbortController()
  setMaxListeners(runners + 16, stopped.signal) // one pending beat per simulated runner
  const pause = (ms: number) => delay(ms, undefined, { signal: stopped.signal }).catch(() => undefined)
  await pool(runners, 16, (i) => call(`${hostUrl}/nodes/register`, nodeInfo(names[i]!, runnerUrl), agents[i]))
  // warm-up: `warmBeats` heartbeats back to back, so that the server's heartbeat path has run hot
  // before it is measured (bench/lib/warmUp.ts)
  await pool(warmBeats, 16, (i) => {
    const name = names[i % runners]!
    return call(`${hostUrl}/nodes/${name}/heartbeat`, heartbeat(name), agents[i % runners])
  })
  const beats = names.map(async (name, i) => {
    await pause((i / runners) * HEARTBEAT_S * 1000)
    while (!stopped.signal.aborted) {
      await timed(heartbeatMs, () => call(`${hostUrl}/nodes/${name}/heartbeat`, heartbeat(name), agents[i]))
      await pause(HEARTBEAT_S * 1000)
    }
  })
  return {
    heartbeatMs,
    stop: async () => {
      stopped.abort()
      await Promise.race([Promise.all(beats), sleep(HEARTBEAT_S * 1000)]) // a beat in flight ends first
      await Promise.all(agents.map((a) => a.close()))
    }
  }
}

/**
 * How long heartbeats are measured (seconds), and how many are sent back to back first, once the
 * simulated runners have registered.
 */
export interface Windows {
  readonly windowS: number
  readonly warmBeats: number
}

/** Percent of one core that `pid` spends over `windowS` of heartbeats, after one interval to settle. */
const heartbeatCpu = async (pid: number, windowS: number): Promise<number> => {
  await sleep(HEARTBEAT_S * 1000)
  const cpu0 = cpuMsOf(pid)
  const w0 = performance.now()
  await sleep(windowS * 1000)
  return Math.round(((cpuMsOf(pid) - cpu0) / (performance.now() - w0)) * 1000) / 10
}

/** A server that stands in for the host, to be driven by the simulated runners. */
interface Floor {
  readonly label: string
  readonly start: (port: number, heartbeatS: number) => Promise<Proc>
}

/**
 * The heartbeat floors: Node's bare HTTP server (`lib/bareHost.mjs`: JSON in, JSON out, nothing
 * else), and the prescribed stack alone (`lib/stackHost.ts`: Effect's `HttpApi` with the host's
 * schemas, no middleware of ours, no store).
 */
const nodeFloor: Floor = { label: "a bare node:http server", start: startBareHost }
const stackFloor: Floor = { label: "an Effect HttpApi server with trivial handlers", start: startStackHost }

/** The percent of one core that a floor's server spends on the same simulated runners' heartbeats. */
const heartbeatFloor = async (floor: Floor, runners: number, windows: Windows): Promise<number> => {
  const port = await freePort()
  const server = await floor.start(port, HEARTBEAT_S)
  try {
    const sims = await simulatedRunners(
      `http://127.0.0.1:${port}`,
      "http://127.0.0.1:9",
      runners,
      windows.warmBeats
    )
    const percent = await heartbeatCpu(server.child.pid!, windows.windowS)
    await sims.stop()
    console.log(`  ${runners} runners heartbeating to ${floor.label} (floor): ${percent}% of a core`)
    return percent
  } finally {
    await stop(server)
  }
}

export const hostScale = async (runners: number, tasks: number, windows: Windows): Promise<ScaleResult> => {
  const { windowS } = windows
  const dir = tempDir("hr-bench-scale-")
  const hostPort = await freePort()
  const hostUrl = `http://127.0.0.1:${hostPort}`
  const host = await startCli(
    ["host"],
    {
      ...clusterEnv({ dataDir: dir.path, hostPort, heartbeat: HEARTBEAT_S }),
      HAKURIVER_SCHEDULER__POLICY: "least-loaded"
    },
    /listening on/
  )
  let completed = 0
  const server = await simServer(hostUrl, () => {
    completed++
  })
  const simUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  let sims: Awaited<ReturnType<typeof simulatedRunners>> | undefined
  let prober: ReturnType<typeof statusProber> | undefined
  try {
    sims = await simulatedRunners(hostUrl, simUrl, runners, windows.warmBeats)
    const pid = host.child.pid!
    // window A: heartbeats only
    const heartbeatCpuPercent = await heartbeatCpu(pid, windowS)

    // burst: tasks submitted, statuses read while they run
    const submitMs: Array<number> = []
    const statusMs: Array<number> = []
    const ids: Array<string> = []
    const cpu1 = cpuMsOf(pid)
    const t0 = performance.now()
    await pool(tasks, 16, async () => {
      const r = (await timed(submitMs, () =>
        call(`${hostUrl}/tasks`, { command: ["true"], container: "NULL" })
      )) as {
        taskIds: Array<string>
      }
      ids.push(...r.taskIds)
      if (prober === undefined) prober = statusProber(`${hostUrl}/tasks/${r.taskIds[0]}`)
      if (ids.length % 10 === 0) {
        const id = ids[Math.floor(Math.random() * ids.length)]!
        await timed(statusMs, () => call(`${hostUrl}/tasks/${id}`))
      }
    })
    while (completed < tasks && performance.now() - t0 < 600_000) {
      const id = ids[Math.floor(Math.random() * ids.length)]!
      await timed(statusMs, () => call(`${hostUrl}/tasks/${id}`))
      await sleep(20)
    }
    const burstMs = performance.now() - t0
    const burstCpu = ((cpuMsOf(pid) - cpu1) / burstMs) * 100
    const probed = await prober!.stop()
    prober = undefined
    const result: ScaleResult = {
      runners,
      tasks,
      hostRssMB: Math.round(rssOf(pid) / 1e6),
      heartbeatCpuPercentOfCore: heartbeatCpuPercent,
      burstCpuPercentOfCore: Math.round(burstCpu),
      submitP99Ms: round1(summarize(submitMs).p99),
      statusP99Ms: round1(summarize(statusMs).p99),
      statusP50Ms: round1(summarize(statusMs).p50),
      statusProbe: {
        reads: probed.n,
        p50Ms: round1(probed.p50),
        p99Ms: round1(probed.p99),
        maxMs: round1(probed.max)
      },
      heartbeatP99Ms: round1(summarize(sims.heartbeatMs).p99),
      completedPerS: Math.round((completed / burstMs) * 1000)
    }
    console.log(
      `  ${runners} runners, ${tasks} tasks: host RSS ${result.hostRssMB} MB, heartbeats ${result.heartbeatCpuPercentOfCore}% of a core, ` +
        `burst ${result.burstCpuPercentOfCore}%; p99 submit ${result.submitP99Ms} ms, status ${result.statusP99Ms} ms (p50 ${result.statusP50Ms}), ` +
        `heartbeat ${result.heartbeatP99Ms} ms; ${result.completedPerS} tasks/s (${completed}/${tasks} done)`
    )
    const probe = result.statusProbe
    console.log(
      `    status from a client of its own: p99 ${probe.p99Ms} ms (p50 ${probe.p50Ms}, slowest ${probe.maxMs}, n=${probe.reads})`
    )
    return result
  } finally {
    prober?.kill()
    await sims?.stop()
    server.close()
    await stop(host)
    dir.remove()
  }
}

/** Heartbeat CPU against the two floors of its runner count. */
export interface HeartbeatFloors {
  /** Node's bare `node:http` server. */
  readonly heartbeatFloorPercentOfCore: number
  readonly heartbeatToFloor: number
  /** Effect's `HttpApi` alone, with the host's schemas. */
  readonly heartbeatStackFloorPercentOfCore: number
  readonly heartbeatToStackFloor: number
}

const ratio = (ours: number, floor: number) => round1(ours / floor)

/**
 * The grid of host-scale runs, each with the heartbeat floors of its runner count (measured once
 * per count, in the same run) and ours as a multiple of each.
 */
export const hostScaleGrid = async (
  grid: ReadonlyArray<readonly [runners: number, tasks: number]>,
  windows: Windows
): Promise<Array<ScaleResult & HeartbeatFloors>> => {
  const measured = new Map<number, readonly [bare: number, stack: number]>()
  for (const [runners] of grid) {
    if (measured.has(runners)) continue
    const bare = await heartbeatFloor(nodeFloor, runners, windows)
    measured.set(runners, [bare, await heartbeatFloor(stackFloor, runners, windows)])
  }
  const rows = []
  for (const [runners, tasks] of grid) {
    const row = await hostScale(runners, tasks, windows)
    const [bare, stack] = measured.get(runners)!
    const ours = row.heartbeatCpuPercentOfCore
    console.log(
      `    heartbeats: ${ours}% against Node's ${bare}% (×${ratio(ours, bare)}) and the stack's ${stack}% (×${ratio(ours, stack)})`
    )
    rows.push({
      ...row,
      heartbeatFloorPercentOfCore: bare,
      heartbeatToFloor: ratio(ours, bare),
      heartbeatStackFloorPercentOfCore: stack,
      heartbeatToStackFloor: ratio(ours, stack)
    })
  }
  return rows
}

/** Pure placement time per task (µs) for a node count, at a given number of busy nodes. */
export const placementMicros = (nodes: number, repeats = 2000): number => {
  const capacity = Array.from({ length: nodes }, (_, i) => ({
    name: `n${String(i).padStart(4, "0")}` as NodeName,
    online: true,
    cores: 4,
    memoryBytes: 8e9,
    numa: [],
    gpus: []
  }))
  // every node but the last is full: the worst case for a scan
  const allocations = new Map(
    capacity.slice(0, -1).map((n) => [n.name, { ...Scheduler.emptyAllocation, cores: 4, tasks: 4 }] as const)
  )
  const request = { node: null, numa: null, gpus: [], cores: 1, memoryBytes: null, container: "NULL" }
  const t0 = performance.now()
  for (let i = 0; i < repeats; i++) {
    const placed = Scheduler.place(request, capacity, allocations, "least-loaded")
    if (Either.isLeft(placed)) throw new Error("placement failed")
  }
  return Math.round(((performance.now() - t0) / repeats) * 1000 * 100) / 100
}
