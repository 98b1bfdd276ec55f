/**
 * The Docker engine stopped while tasks run. The test starts a PRIVATE dockerd (its own data
 * root, exec root, pid file, socket and bridge, no iptables) so the engine other tests use is
 * never touched (NOT `--bridge=none`: a dockerd started that way deletes the host's `docker0`,
 * breaking every other engine's bridge network), imports the busybox test image into it, and points a runner at it with
 * DOCKER_HOST. Stopping that dockerd fails the running task with a clear reason; the runner stays
 * up; once the dockerd is back, tasks run again.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  clusterConfig,
  finalStatuses,
  freePort,
  killAll,
  makeTempDir,
  nodeStatus,
  root,
  startChild,
  submit,
  type TaskRow,
  tasksOf,
  until,
  works
} from "./support.js"

const ci = process.env["CI"] === "true"
const available =
  works("dockerd", ["--version"]) && works("docker", ["--version"]) && process.getuid?.() === 0
// Without Docker: a failure on CI, a skip on a developer machine.
const dockerIt = available || ci ? it : it.skip

const engineDir = fs.mkdtempSync("/tmp/hkrd-")
// the private engine's own bridge (interface names are at most 15 characters)
const bridge = `hkrd${process.pid % 100000}`
const socket = path.join(engineDir, "docker.sock")
const dockerHost = `unix://${socket}`
const dir = makeTempDir("dockerd")
const env = "faults-env"
let engine: ChildProcess | undefined
let url = ""

const startEngine = async () => {
  spawnSync("ip", ["link", "add", bridge, "type", "bridge"], { stdio: "ignore" })
  spawnSync("ip", ["link", "set", bridge, "up"], { stdio: "ignore" })
  const log = fs.openSync(path.join(engineDir, "dockerd.log"), "a")
  engine = spawn(
    "dockerd",
    [
      "--data-root",
      path.join(engineDir, "data"),
      "--exec-root",
      path.join(engineDir, "exec"),
      "--pidfile",
      path.join(engineDir, "docker.pid"),
      "-H",
      dockerHost,
      `--bridge=${bridge}`,
      "--iptables=false",
      "--ip-masq=false"
    ],
    { stdio: ["ignore", log, log] }
  )
  fs.closeSync(log)
  await until(
    "the private dockerd to answer",
    async () => works("docker", ["-H", dockerHost, "info"]),
    60_000
  )
}

const stopEngine = (): Promise<void> =>
  new Promise((resolve) => {
    const p = engine
    if (p === undefined || p.exitCode !== null || p.signalCode !== null) return resolve()
    p.once("exit", () => resolve())
    p.kill("SIGTERM")
  })

beforeAll(async () => {
  if (!available) return
  await startEngine()
  const built = spawnSync("bash", [path.join(root, "scripts/images/busybox.sh"), `hakuriver/${env}:base`], {
    env: { ...process.env, DOCKER_HOST: dockerHost },
    encoding: "utf8"
  })
  if (built.status !== 0) throw new Error(`busybox image: ${built.stderr}`)
  const port = await freePort()
  url = `http://127.0.0.1:${port}`
  const docker = { default_container_name: env }
  startChild("host", dir, "host", clusterConfig(dir, port, { docker }))
  startChild(
    "runner",
    dir,
    "d1",
    clusterConfig(dir, port, { network: { runner_name: "d1" }, runner: { executor: "docker" }, docker }),
    [],
    { DOCKER_HOST: dockerHost }
  )
  await until("d1 online", async () => (await nodeStatus(url, "d1")) === "online", 90_000)
}, 180_000)

afterAll(async () => {
  await killAll()
  if (available) {
    // containers of the private engine go with it
    spawnSync("docker", ["-H", dockerHost, "rm", "-f", ...listContainers()], { stdio: "ignore" })
    await stopEngine()
  }
  spawnSync("umount", ["-l", path.join(engineDir, "exec", "netns", "default")], { stdio: "ignore" })
  spawnSync("umount", ["-l", path.join(engineDir, "exec")], { stdio: "ignore" })
  spawnSync("umount", ["-l", path.join(engineDir, "data")], { stdio: "ignore" })
  spawnSync("ip", ["link", "del", bridge], { stdio: "ignore" })
  fs.rmSync(engineDir, { recursive: true, force: true })
  fs.rmSync(dir, { recursive: true, force: true })
}, 60_000)

const listContainers = (): Array<string> =>
  (spawnSync("docker", ["-H", dockerHost, "ps", "-aq"], { encoding: "utf8" }).stdout ?? "")
    .split("\n")
    .filter((l) => l !== "")

const finalTask = async (id: string, timeoutMs = 60_000): Promise<TaskRow> => {
  let task: TaskRow | undefined
  await until(
    `task ${id} to end`,
    async () => {
      task = (await tasksOf(url)).find((t) => t.taskId === id)
      return task !== undefined && finalStatuses.has(task.status)
    },
    timeoutMs
  )
  if (task === undefined) throw new Error("no task")
  return task
}

const run = async (command: ReadonlyArray<string>) => {
  const answer = await submit(url, command, { container: env, targets: ["d1"] })
  expect(answer.status).toBe(200)
  return answer.body?.taskIds[0] ?? ""
}

describe("dockerd stopped while tasks run", () => {
  dockerIt(
    "the task fails with a clear reason, the runner stays up and works when dockerd returns",
    { timeout: 180_000 },
    async () => {
      expect(available).toBe(true)
      const first = await finalTask(await run(["echo", "hello"]))
      expect([first.status, first.error]).toEqual(["completed", null])

      const started = path.join(dir, "shared", "started")
      const id = await run(["sh", "-c", "touch /shared/started; exec sleep 60"])
      await until("the container to run", async () => fs.existsSync(started))
      await stopEngine()
      const broken = await finalTask(id)
      expect(broken.status).toBe("failed")
      expect(broken.error ?? "").toMatch(/docker|engine|connect|socket/i)

      // while the engine is away a new task waits (the runner refuses it as unavailable and the
      // host queues it again) or fails with a reason; the runner stays online either way
      const meanwhileId = await run(["echo", "meanwhile"])
      await new Promise((r) => setTimeout(r, 2000))
      const waiting = (await tasksOf(url)).find((t) => t.taskId === meanwhileId)
      expect(["pending", "assigning", "failed"]).toContain(waiting?.status)
      if (waiting?.status === "failed") expect(waiting.error ?? "").toMatch(/docker|engine/i)
      expect(await nodeStatus(url, "d1")).toBe("online")

      await startEngine()
      const meanwhile = await finalTask(meanwhileId)
      if (meanwhile.status !== "completed") expect(meanwhile.error ?? "").toMatch(/docker|engine/i)
      const back = await finalTask(await run(["echo", "back"]))
      expect([back.status, back.error]).toEqual(["completed", null])
    }
  )
})
