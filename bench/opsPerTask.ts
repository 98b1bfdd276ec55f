/**
 * Work per task, counted instead of timed: the Effect operations, fibers and SQL statements that
 * a host and its runner (the embedded default's two layers, in this process) spend on one trivial
 * task, from its submit to the end a client's `wait` sees. Counts do not move with the machine's
 * load, so a change can be judged on them where timings drown in noise (RESULTS.md).
 *
 * Operations are counted by a `Supervisor` with op supervision on; SQL statements by wrapping
 * better-sqlite3's statement methods for the duration of the count. Both are bench instruments:
 * nothing of the product is changed.
 */
import { createRequire } from "node:module"
import { Host } from "@hakuriver/host"
import { Runner } from "@hakuriver/runner"
import { connect, defaultConfig, fromObject } from "@hakuriver/sdk"
import { Effect, Either, Exit, Layer, Logger, LogLevel, RuntimeFlags, Scope, Supervisor } from "effect"
import { clusterConfig } from "../test/faults/support.js"
import { freePort, tempDir } from "./lib/cluster.js"
import { sleep } from "./lib/sleep.js"
import { round1 } from "./lib/stats.js"

export interface OpsPerTask {
  readonly tasks: number
  readonly effectOps: number
  readonly fibers: number
  readonly sqlStatements: number
  readonly transactions: number
  /** The Effect operations of the same task submitted in one request that waits (`submitAndWait`). */
  readonly effectOpsOneRequest: number
  /** The same counts for one `GET /ping`: the cost of a request before any handler work. */
  readonly effectOpsPerPing: number
  /** And for one heartbeat of an online node with no tasks (the host's steady work per runner). */
  readonly effectOpsPerHeartbeat: number
}

class Counter extends Supervisor.AbstractSupervisor<void> {
  ops = 0
  fibers = 0
  get value() {
    return Effect.void
  }
  override onStart() {
    this.fibers++
  }
  override onEffect() {
    this.ops++
  }
}

/** Counts the statements better-sqlite3 runs (by their SQL) until `release` is called. */
const countStatements = () => {
  const Database = createRequire(import.meta.url)("better-sqlite3")
  const probe = new Database(":memory:")
  const proto = Object.getPrototypeOf(probe.prepare("SELECT 1"))
  probe.close()
  const counts = new Map<string, number>()
  const originals = ["run", "all", "get", "iterate"].map((name) => [name, proto[name]] as const)
  for (const [name, original] of originals) {
    proto[name] = function (this: { readonly source: string }, ...args: Array<unknown>) {
      counts.set(this.source, (counts.get(this.source) ?? 0) + 1)
      return original.apply(this, args)
    }
  }
  const total = (match?: RegExp) =>
    [...counts].filter(([sql]) => match === undefined || match.test(sql)).reduce((n, [, c]) => n + c, 0)
  const release = () => {
    for (const [name, original] of originals) proto[name] = original
  }
  return { total, release }
}

/** One heartbeat of `node`, as its runner sends it (nothing running). */
const heartbeat = async (hostPort: number, node: string) => {
  const usage = { cpuPercent: 1, memoryUsedBytes: 1e9, memoryPercent: 12.5, temperatures: [], gpus: [] }
  const response = await fetch(`http://127.0.0.1:${hostPort}/nodes/${node}/heartbeat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: node, usage, runningTaskIds: [] })
  })
  if (!response.ok) throw new Error(`heartbeat: ${response.status} ${await response.text()}`)
}

export const opsPerTask = async (tasks: number): Promise<OpsPerTask> => {
  const { path: dir, remove } = tempDir("hr-bench-ops-")
  const [hostPort, runnerPort] = [await freePort(), await freePort()]
  // the embedded default's timing, token and environment, the fault tests' cluster layout
  const config = Either.getOrThrow(
    fromObject(
      clusterConfig(dir, hostPort, {
        network: { runner_port: runnerPort },
        timing: { ...defaultConfig.timing },
        security: { token: "" },
        docker: { default_container_name: defaultConfig.docker.default_container_name }
      })
    )
  )
  const counter = new Counter()
  const counted = Layer.mergeAll(
    Supervisor.addSupervisor(counter),
    RuntimeFlags.enableOpSupervision,
    Logger.minimumLogLevel(LogLevel.Warning)
  )
  const statements = countStatements()
  const scope = Effect.runSync(Scope.make())
  try {
    // built one after the other, each on its own, as the embedded cluster does
    await Effect.runPromise(Layer.buildWithScope(Layer.provide(Host.layer(config), counted), scope))
    await Effect.runPromise(Layer.buildWithScope(Layer.provide(Runner.layer(config), counted), scope))
    const client = connect({ url: `http://127.0.0.1:${hostPort}` })
    for (let i = 0; i < 100 && !(await client.nodes()).some((n) => n.status === "online"); i++) {
      await sleep(100)
    }
    const once = async () => {
      const { taskIds } = await client.submit({ command: ["true"], container: "NULL" })
      const [task] = await client.wait(taskIds)
      if (task?.status !== "completed") throw new Error(`a bench task ended ${task?.status}: ${task?.error}`)
    }
    for (let i = 0; i < 20; i++) await once()
    const before = { ops: counter.ops, fibers: counter.fibers, sql: statements.total() }
    const transactionsBefore = statements.total(/^BEGIN/)
    for (let i = 0; i < tasks; i++) await once()
    const per = (n: number) => round1(n / tasks)
    const opsBeforeOneRequest = counter.ops
    const fibersOfTasks = counter.fibers - before.fibers
    const sqlOfTasks = statements.total() - before.sql
    const transactionsOfTasks = statements.total(/^BEGIN/) - transactionsBefore
    for (let i = 0; i < tasks; i++) {
      const { tasks: done } = await client.submitAndWait({ command: ["true"], container: "NULL" })
      if (done[0]?.status !== "completed") throw new Error(`a bench task ended ${done[0]?.status}`)
    }
    const opsBeforePing = counter.ops
    for (let i = 0; i < tasks; i++) await client.ping()
    const opsBeforeBeats = counter.ops
    const [node] = await client.nodes()
    for (let i = 0; i < tasks; i++) await heartbeat(hostPort, node!.name)
    const result: OpsPerTask = {
      tasks,
      effectOps: per(opsBeforeOneRequest - before.ops),
      effectOpsOneRequest: per(opsBeforePing - opsBeforeOneRequest),
      fibers: per(fibersOfTasks),
      sqlStatements: per(sqlOfTasks),
      transactions: per(transactionsOfTasks),
      effectOpsPerPing: per(opsBeforeBeats - opsBeforePing),
      effectOpsPerHeartbeat: per(counter.ops - opsBeforeBeats)
    }
    console.log(
      `  per trivial task (host + runner, n=${tasks}): ${result.effectOps} Effect ops, ${result.fibers} fibers, ` +
        `${result.sqlStatements} SQL statements (${result.transactions} transactions); in one request (submitAndWait): ` +
        `${result.effectOpsOneRequest} ops; a GET /ping: ${result.effectOpsPerPing} ops; ` +
        `a heartbeat: ${result.effectOpsPerHeartbeat} ops`
    )
    return result
  } finally {
    statements.release()
    await Effect.runPromise(Scope.close(scope, Exit.void))
    remove()
  }
}
