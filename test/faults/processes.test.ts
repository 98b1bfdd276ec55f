/**
 * Faults of whole processes: a runner SIGKILLed mid-task (its task ends `lost`, the restarted
 * runner brings the node back online) and a host SIGKILLed in the middle of a burst of
 * submissions (after a restart on the same database every submission a client saw accepted is
 * there, exactly once).
 */
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

const dirs: Array<string> = []
afterAll(async () => {
  await killAll()
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
})

const cluster = async (name: string) => {
  const dir = makeTempDir(name)
  dirs.push(dir)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const host = startChild("host", dir, "host", clusterConfig(dir, port))
  await until("the host to answer", async () => (await call(`${url}/ping`)).status === 200)
  const runner = (n: string): Child =>
    startChild("runner", dir, n, clusterConfig(dir, port, { network: { runner_name: n } }))
  return { dir, port, url, host, runner }
}

describe("process faults", () => {
  it("runner SIGKILL mid-task: the task ends lost, the restarted runner is online again", {
    timeout: 120_000
  }, async () => {
    const { dir, url, runner } = await cluster("runner-kill")
    const r1 = runner("r1")
    await until("r1 online", async () => (await nodeStatus(url, "r1")) === "online")
    const started = path.join(dir, "shared", "started")
    const answer = await submit(url, ["/bin/sh", "-c", `touch ${started}; exec sleep 15`], {
      targets: ["r1"]
    })
    expect(answer.status).toBe(200)
    const id = answer.body?.taskIds[0] ?? ""
    await until("the task to run", async () => fs.existsSync(started))
    await sigkill(r1)
    await until(
      "the task to be lost",
      async () => (await tasksOf(url)).find((t) => t.taskId === id)?.status === "lost"
    )
    expect(await nodeStatus(url, "r1")).toBe("offline")
    runner("r1")
    await until("r1 online again", async () => (await nodeStatus(url, "r1")) === "online")
    // the node works again
    const again = await submit(url, ["true"], { targets: ["r1"] })
    expect(again.status).toBe(200)
    const againId = again.body?.taskIds[0] ?? ""
    await until("the new task to complete", async () =>
      (await tasksOf(url)).some((t) => t.taskId === againId && t.status === "completed")
    )
    const lost = (await tasksOf(url)).find((t) => t.taskId === id)
    expect(lost?.status).toBe("lost")
  })

  it("host SIGKILL mid-burst: every accepted submission is stored once after a restart", {
    timeout: 180_000
  }, async () => {
    const { dir, port, url, host, runner } = await cluster("host-kill")
    runner("r1")
    await until("r1 online", async () => (await nodeStatus(url, "r1")) === "online")
    const accepted: Array<string> = []
    let refusedOrLost = 0
    let stop = false
    const client = async () => {
      while (!stop) {
        const answer = await submit(url, ["true"])
        if (answer.status === 200 && answer.body !== null) accepted.push(...answer.body.taskIds)
        else {
          refusedOrLost++
          if (answer.status === 0) await new Promise((r) => setTimeout(r, 50))
        }
      }
    }
    const clients = Array.from({ length: 10 }, client)
    await until("some accepted submissions", async () => accepted.length >= 40, 60_000)
    await sigkill(host)
    const acceptedBeforeKill = accepted.length
    // keep the clients going against the dead host for a moment
    await new Promise((r) => setTimeout(r, 300))
    stop = true
    await Promise.all(clients)
    expect(refusedOrLost).toBeGreaterThan(0)
    startChild("host", dir, "host-again", clusterConfig(dir, port))
    await until("the restarted host to answer", async () => (await call(`${url}/ping`)).status === 200)
    const tasks = await tasksOf(url)
    const ids = tasks.map((t) => t.taskId)
    expect(new Set(ids).size).toBe(ids.length)
    const stored = new Set(ids)
    expect(accepted.filter((id) => !stored.has(id))).toEqual([])
    expect(accepted.length).toBeGreaterThanOrEqual(acceptedBeforeKill)
    // and they all finish on the runner, which re-registers with the new host
    await until(
      "every task final",
      async () => {
        const now = await tasksOf(url)
        return now.length === tasks.length && now.every((t) => finalStatuses.has(t.status))
      },
      120_000
    )
    const final = await tasksOf(url)
    expect(final.filter((t) => t.status !== "completed" && t.status !== "lost")).toEqual([])
  })
})
