/**
 * A network partition of one runner: the runner runs inside a network namespace the test
 * creates, joined to the host by a veth pair (10.250.N.1/30 on the host side, 10.250.N.2/30 in
 * the namespace; nothing else is touched). Cutting the link makes its task `lost` and the node
 * offline; healing it brings the node back online, and the lost task never runs a second time.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  clusterConfig,
  freePort,
  killAll,
  makeTempDir,
  nodeStatus,
  startChild,
  submit,
  tasksOf,
  until
} from "./support.js"

const n = 1 + (process.pid % 250)
const ns = `hkr-faults-${n}`
const outside = `hkrf${n}a`
const inside = `hkrf${n}b`
const hostIp = `10.250.${n}.1`
const runnerIp = `10.250.${n}.2`
const dir = makeTempDir("partition")
let created = false
let url = ""

const ip = (...args: Array<string>) => {
  const result = spawnSync("ip", args, { encoding: "utf8" })
  if (result.status !== 0) throw new Error(`ip ${args.join(" ")}: ${result.stderr}`)
}

beforeAll(async () => {
  spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" })
  ip("netns", "add", ns)
  created = true
  ip("link", "add", outside, "type", "veth", "peer", "name", inside)
  ip("link", "set", inside, "netns", ns)
  ip("addr", "add", `${hostIp}/30`, "dev", outside)
  ip("link", "set", outside, "up")
  ip("-n", ns, "addr", "add", `${runnerIp}/30`, "dev", inside)
  ip("-n", ns, "link", "set", inside, "up")
  ip("-n", ns, "link", "set", "lo", "up")
  const port = await freePort(hostIp)
  url = `http://${hostIp}:${port}`
  startChild("host", dir, "host", clusterConfig(dir, port, { network: { host_bind_ip: hostIp } }))
  const runnerNetwork = {
    host_reachable_address: hostIp,
    runner_bind_ip: runnerIp,
    runner_address: runnerIp,
    runner_name: "cut"
  }
  startChild("runner", dir, "cut", clusterConfig(dir, port, { network: runnerNetwork }), [
    "ip",
    "netns",
    "exec",
    ns
  ])
  await until(
    "the runner in the namespace online",
    async () => (await nodeStatus(url, "cut")) === "online",
    90_000
  )
}, 120_000)

afterAll(async () => {
  await killAll()
  if (created) spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" })
  spawnSync("ip", ["link", "del", outside], { stdio: "ignore" })
  fs.rmSync(dir, { recursive: true, force: true })
})

describe("network partition", () => {
  it("cut: task lost, node offline; heal: node online, no second run", { timeout: 120_000 }, async () => {
    const runs = path.join(dir, "shared", "runs")
    const answer = await submit(url, ["/bin/sh", "-c", `echo run >> ${runs}; exec sleep 20`], {
      targets: ["cut"]
    })
    expect(answer.status).toBe(200)
    const id = answer.body?.taskIds[0] ?? ""
    await until("the task to run", async () => fs.existsSync(runs))
    ip("link", "set", outside, "down")
    await until(
      "the task to be lost",
      async () => (await tasksOf(url)).find((t) => t.taskId === id)?.status === "lost"
    )
    expect(await nodeStatus(url, "cut")).toBe("offline")
    ip("link", "set", outside, "up")
    await until("the node back online", async () => (await nodeStatus(url, "cut")) === "online", 60_000)
    // the healed node works, and the lost task stays lost and never ran again
    const again = await submit(url, ["true"], { targets: ["cut"] })
    expect(again.status).toBe(200)
    const againId = again.body?.taskIds[0] ?? ""
    await until("a new task to complete", async () =>
      (await tasksOf(url)).some((t) => t.taskId === againId && t.status === "completed")
    )
    expect((await tasksOf(url)).find((t) => t.taskId === id)?.status).toBe("lost")
    expect(fs.readFileSync(runs, "utf8")).toBe("run\n")
  })
})
