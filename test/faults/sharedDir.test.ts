/**
 * Faults of the shared dir: full (a small tmpfs the test mounts) or read-only (the same mount
 * remounted read-only). Tasks then end `failed` with an error that names the problem, the runner
 * stays up, and tasks run again once the dir is usable.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  call,
  clusterConfig,
  freePort,
  killAll,
  makeTempDir,
  nodeStatus,
  startChild,
  submit,
  type TaskRow,
  tasksOf,
  until
} from "./support.js"

const dir = makeTempDir("shared-fault")
const shared = path.join(dir, "shared")
let mounted = false
let url = ""

const run = (command: string, args: ReadonlyArray<string>) => {
  const result = spawnSync(command, [...args], { encoding: "utf8" })
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${result.stderr}`)
}

beforeAll(async () => {
  fs.mkdirSync(shared, { recursive: true })
  run("mount", ["-t", "tmpfs", "-o", "size=1m", "hakuriver-faults", shared])
  mounted = true
  const port = await freePort()
  url = `http://127.0.0.1:${port}`
  startChild("host", dir, "host", clusterConfig(dir, port))
  startChild("runner", dir, "r1", clusterConfig(dir, port, { network: { runner_name: "r1" } }))
  await until("r1 online", async () => (await nodeStatus(url, "r1")) === "online")
}, 120_000)

afterAll(async () => {
  await killAll()
  if (mounted) spawnSync("umount", ["-l", shared])
  fs.rmSync(dir, { recursive: true, force: true })
})

const runToEnd = async (command: ReadonlyArray<string>): Promise<TaskRow> => {
  const answer = await submit(url, command, { targets: ["r1"] })
  expect(answer.status).toBe(200)
  const id = answer.body?.taskIds[0] ?? ""
  let task: TaskRow | undefined
  await until("the task to end", async () => {
    task = (await tasksOf(url)).find((t) => t.taskId === id)
    return task !== undefined && ["completed", "failed", "lost", "killed"].includes(task.status)
  })
  if (task === undefined) throw new Error("no task")
  return task
}

describe("shared dir faults", () => {
  it("works on the small tmpfs", { timeout: 60_000 }, async () => {
    expect((await runToEnd(["/bin/echo", "hello"])).status).toBe("completed")
  })

  it("full: tasks fail with a clear error, the runner stays up, works after space is freed", {
    timeout: 60_000
  }, async () => {
    const filler = path.join(shared, "filler")
    const chunk = Buffer.alloc(64 * 1024, 1)
    const fd = fs.openSync(filler, "w")
    try {
      for (;;) fs.writeSync(fd, chunk)
    } catch {
      // ENOSPC: the dir is full
    } finally {
      fs.closeSync(fd)
    }
    const task = await runToEnd(["/bin/sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x"])
    expect(task.status).toBe("failed")
    expect(task.error ?? "").toMatch(/space|ENOSPC/i)
    expect(await nodeStatus(url, "r1")).toBe("online")
    fs.rmSync(filler)
    const again = await runToEnd(["/bin/echo", "again"])
    expect([again.status, again.error]).toEqual(["completed", null])
  })

  it("read-only: tasks fail with a clear error, the runner stays up, works after a read-write remount", {
    timeout: 60_000
  }, async () => {
    run("mount", ["-o", "remount,ro", shared])
    const task = await runToEnd(["/bin/echo", "hello"])
    run("mount", ["-o", "remount,rw", shared])
    expect(task.status).toBe("failed")
    expect(task.error ?? "").toMatch(/read-only|EROFS/i)
    expect(await nodeStatus(url, "r1")).toBe("online")
    expect((await call(`${url}/ping`)).status).toBe(200)
    const again = await runToEnd(["/bin/echo", "again"])
    expect([again.status, again.error]).toEqual(["completed", null])
  })
})
