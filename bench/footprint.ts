/**
 * Footprint: idle RSS of a host and a runner after start and after a run of tasks, and cold
 * starts of `hakuriver --help` and of `hakuriver up` until it accepts a task — next to the floors
 * of Node itself (a bare `node:http` server's idle RSS, `node -e 0`'s start) and of the prescribed
 * stack (an Effect `HttpApi` server with trivial handlers, idle).
 */
import { execFileSync } from "node:child_process"
import { performance } from "node:perf_hooks"
import { connect } from "@hakuriver/sdk"
import {
  childrenPrivateOf,
  cliPath,
  cluster,
  freePort,
  rssOf,
  startBareHost,
  startStackHost,
  stop,
  up
} from "./lib/cluster.js"
import { pool } from "./lib/floor.js"
import { sleep } from "./lib/sleep.js"
import { summarize } from "./lib/stats.js"

export interface FootprintResult {
  /** Seconds idle before the "idle" figures were read. */
  readonly idleSeconds: number
  readonly bareServerIdleMB: number
  /** An Effect `HttpApi` server with the host's register and heartbeat routes and nothing of ours. */
  readonly stackServerIdleMB: number
  /** 3 s after start: the young generation start-up grew is still committed. */
  readonly hostStartedMB: number
  readonly runnerStartedMB: number
  readonly hostIdleMB: number
  readonly runnerIdleMB: number
  readonly hostAfterMB: number
  readonly runnerAfterMB: number
  /**
   * Seconds after the tasks when the "settled" figures were read: V8's memory reducer gives back
   * the heap a burst grew only 45–75 s after it (the runner first), so read at `idleSeconds` a
   * process still shows the burst.
   */
  readonly settleSeconds: number
  readonly hostSettledMB: number
  readonly runnerSettledMB: number
  /** The runner's spawn helper, its private memory after the tasks and when settled (0: gone). */
  readonly helperAfterMB: number
  readonly helperSettledMB: number
  readonly tasks: number
  readonly nodeStartMs: number
  readonly helpMs: number
  readonly upUntilTaskMs: number
}

const mb = (b: number) => Math.round(b / 1e5) / 10

const median = (n: number, f: () => number) => summarize(Array.from({ length: n }, f)).p50
const timeSync = (f: () => void) => {
  const t0 = performance.now()
  f()
  return performance.now() - t0
}

/**
 * `idleSeconds`: how long the processes sit idle before their idle RSS is read (and again after the
 * tasks). V8 gives back the young generation that start-up grew (32 MB) only once its memory
 * reducer finds the process idle, 10–20 s after start: read at 3 s, a process shows its start-up.
 */
export const footprint = async (
  tasks: number,
  idleSeconds: number,
  settleSeconds = idleSeconds
): Promise<FootprintResult> => {
  const nodeStartMs = median(5, () => timeSync(() => execFileSync(process.execPath, ["-e", "0"])))
  const helpMs = median(5, () => timeSync(() => execFileSync(process.execPath, [cliPath, "--help"])))

  const t0 = performance.now()
  const embedded = await up("process")
  const client = connect({ url: embedded.url })
  await client.wait((await client.submit({ command: ["true"], container: "NULL" })).taskIds)
  const upUntilTaskMs = performance.now() - t0
  await embedded.close()

  // the floors of a serving process: Node's bare HTTP server and the stack's, idle as long as ours
  const bare = await startBareHost(await freePort(), 5)
  const stack = await startStackHost(await freePort(), 5)
  const nodes = await cluster("process", 1)
  const host = nodes.host
  const runner = nodes.runners[0]!
  try {
    await sleep(3000)
    const hostStarted = rssOf(host.child.pid!)
    const runnerStarted = rssOf(runner.child.pid!)
    await sleep(Math.max(0, idleSeconds - 3) * 1000)
    const bareServerIdle = rssOf(bare.child.pid!)
    const stackServerIdle = rssOf(stack.child.pid!)
    const hostIdle = rssOf(host.child.pid!)
    const runnerIdle = rssOf(runner.child.pid!)
    const c = connect({ url: nodes.url })
    const ids: Array<string> = []
    await pool(tasks, 8, async () => {
      ids.push(...(await c.submit({ command: ["true"], container: "NULL" })).taskIds)
    })
    await c.wait(ids, { pollInterval: 60 })
    await sleep(idleSeconds * 1000)
    const hostAfter = rssOf(host.child.pid!)
    const runnerAfter = rssOf(runner.child.pid!)
    const helperAfter = childrenPrivateOf(runner.child.pid!)
    await sleep(Math.max(0, settleSeconds - idleSeconds) * 1000)
    const result: FootprintResult = {
      idleSeconds,
      bareServerIdleMB: mb(bareServerIdle),
      stackServerIdleMB: mb(stackServerIdle),
      hostStartedMB: mb(hostStarted),
      runnerStartedMB: mb(runnerStarted),
      hostIdleMB: mb(hostIdle),
      runnerIdleMB: mb(runnerIdle),
      hostAfterMB: mb(hostAfter),
      runnerAfterMB: mb(runnerAfter),
      settleSeconds,
      hostSettledMB: mb(rssOf(host.child.pid!)),
      runnerSettledMB: mb(rssOf(runner.child.pid!)),
      helperAfterMB: mb(helperAfter),
      helperSettledMB: mb(childrenPrivateOf(runner.child.pid!)),
      tasks,
      nodeStartMs: Math.round(nodeStartMs),
      helpMs: Math.round(helpMs),
      upUntilTaskMs: Math.round(upUntilTaskMs)
    }
    console.log(`  3 s after start: host ${result.hostStartedMB} MB, runner ${result.runnerStartedMB} MB`)
    console.log(
      `  idle RSS (${idleSeconds} s): host ${result.hostIdleMB} MB, runner ${result.runnerIdleMB} MB; ` +
        `a bare node:http server ${result.bareServerIdleMB} MB (floor): +${mb(hostIdle - bareServerIdle)} / +${mb(runnerIdle - bareServerIdle)} MB; ` +
        `an Effect HttpApi server ${result.stackServerIdleMB} MB (the stack's floor): +${mb(hostIdle - stackServerIdle)} / +${mb(runnerIdle - stackServerIdle)} MB`
    )
    const settled =
      settleSeconds > idleSeconds
        ? `; after ${settleSeconds} s idle (V8's memory reducer has run): host ${result.hostSettledMB} MB, runner ${result.runnerSettledMB} MB (+ its spawn helper's own ${result.helperSettledMB} MB)`
        : ""
    console.log(
      `  after ${tasks} tasks and ${idleSeconds} s idle: host ${result.hostAfterMB} MB, runner ${result.runnerAfterMB} MB (+ its spawn helper's own ${result.helperAfterMB} MB)${settled}`
    )
    console.log(
      `  cold start: node -e 0 ${result.nodeStartMs} ms (floor), hakuriver --help ${result.helpMs} ms (+${result.helpMs - result.nodeStartMs}), ` +
        `hakuriver up → first task done ${result.upUntilTaskMs} ms`
    )
    return result
  } finally {
    await nodes.close()
    await stop(bare)
    await stop(stack)
  }
}
