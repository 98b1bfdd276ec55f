/**
 * Load with churn: 2,000 submissions from 20 concurrent clients while runners are SIGKILLed and
 * restarted. Every accepted task reaches a final state, the counts add up (each accepted id
 * stored once, nothing else stored), and the database passes `PRAGMA integrity_check` after the
 * host itself is SIGKILLed at the end.
 */
import Database from "better-sqlite3"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import {
  type Child,
  call,
  clusterConfig,
  finalStatuses,
  freePort,
  killAll,
  makeTempDir,
  nodeStatus,
  sigkill,
  startChild,
  submit,
  tasksOf,
  until
} from "./support.js"

const dir = makeTempDir("load")
afterAll(async () => {
  await killAll()
  fs.rmSync(dir, { recursive: true, force: true })
})

const clients = 20
const perClient = 100
const runnerNames = ["l1", "l2", "l3"]

describe("load with runner churn", () => {
  it("2,000 submissions from 20 clients: all final, counts add up, integrity ok", {
    timeout: 420_000
  }, async () => {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const host = startChild("host", dir, "host", clusterConfig(dir, port))
    await until("the host to answer", async () => (await call(`${url}/ping`)).status === 200)
    const runners = new Map<string, Child>()
    let restarts = 0
    const startRunner = (name: string) => {
      const config = clusterConfig(dir, port, { network: { runner_name: name }, runner: { max_cores: 2 } })
      runners.set(name, startChild("runner", dir, `${name}-${restarts++}`, config))
    }
    for (const name of runnerNames) startRunner(name)
    await until("runners online", async () => {
      const states = await Promise.all(runnerNames.map((n) => nodeStatus(url, n)))
      return states.every((s) => s === "online")
    })

    // churn: every few seconds one runner is SIGKILLed and started again
    let churning = true
    let kills = 0
    const churn = (async () => {
      while (churning) {
        await new Promise((r) => setTimeout(r, 3000))
        if (!churning) break
        const name = runnerNames[kills % runnerNames.length] ?? "l1"
        const child = runners.get(name)
        if (child !== undefined) await sigkill(child)
        kills++
        startRunner(name)
      }
    })()

    const accepted: Array<string> = []
    let refused = 0
    let unanswered = 0
    const client = async (c: number) => {
      for (let i = 0; i < perClient; i++) {
        const answer = await submit(url, ["/bin/echo", `client ${c} task ${i}`], { cores: 0.25 }, 60_000)
        if (answer.status === 200 && answer.body !== null) accepted.push(...answer.body.taskIds)
        else if (answer.status === 0) unanswered++
        else refused++
      }
    }
    const started = Date.now()
    await Promise.all(Array.from({ length: clients }, (_, c) => client(c)))
    console.log(
      `submitted in ${Date.now() - started} ms: ${accepted.length} accepted, ${refused} refused, ${unanswered} unanswered`
    )
    expect(accepted.length + refused + unanswered).toBe(clients * perClient)
    expect(accepted.length).toBeGreaterThan(0)
    churning = false
    await churn
    expect(kills).toBeGreaterThan(0)

    await until(
      "every accepted task final",
      async () => {
        const tasks = await tasksOf(url)
        return tasks.length >= accepted.length && tasks.every((t) => finalStatuses.has(t.status))
      },
      300_000
    )
    console.log(`all final after ${Date.now() - started} ms, ${kills} runner kills`)
    const tasks = await tasksOf(url)
    const ids = tasks.map((t) => t.taskId)
    expect(new Set(ids).size).toBe(ids.length)
    // every accepted task is stored; a submission whose answer never came may be stored too
    const stored = new Set(ids)
    expect(accepted.filter((id) => !stored.has(id))).toEqual([])
    expect(ids.length - accepted.length).toBeGreaterThanOrEqual(0)
    expect(ids.length - accepted.length).toBeLessThanOrEqual(unanswered)
    const byStatus = new Map<string, number>()
    for (const t of tasks) byStatus.set(t.status, (byStatus.get(t.status) ?? 0) + 1)
    expect([...byStatus.values()].reduce((a, b) => a + b, 0)).toBe(ids.length)
    expect([...byStatus.keys()].every((s) => s === "completed" || s === "lost" || s === "failed")).toBe(true)
    expect(byStatus.get("completed") ?? 0).toBeGreaterThan(0)

    await sigkill(host)
    const db = new Database(path.join(dir, "host.db"), { readonly: true })
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok")
      const row = db.prepare("SELECT count(*) AS n FROM tasks").get() as { n: number }
      expect(row.n).toBe(ids.length)
    } finally {
      db.close()
    }
  })
})
