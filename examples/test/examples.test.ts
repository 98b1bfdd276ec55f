/**
 * Every example runs with tsx, as a user runs it, against an embedded cluster (host and local
 * runner in this process, temp data dir, free port, process executor).
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { defaultConfig } from "@hakuriver/sdk"
import { type RunningCluster, start } from "../../packages/cli/src/embedded/EmbeddedCluster.js"

const root = fileURLToPath(new URL("../../", import.meta.url))
let cluster: RunningCluster
let dataDir: string

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hr-examples-"))
  cluster = await start({ base: defaultConfig, dataDir, port: 0, executor: "process", quiet: true })
}, 120_000)

afterAll(async () => {
  await cluster?.stop()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `examples/NAME` with tsx against the embedded cluster. */
const example = (name: string, args: ReadonlyArray<string> = []) =>
  new Promise<Run>((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join("examples", name), ...args],
      {
        cwd: root,
        timeout: 90_000,
        env: { ...process.env, HAKURIVER_URL: cluster.url, HAKURIVER_TOKEN: "", HAKURIVER_CONFIG: "" }
      },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : typeof error.code === "number" ? error.code : 1,
          stdout,
          stderr
        })
    )
  })

describe("examples against an embedded cluster", () => {
  it("submit-and-wait.ts: submit, wait, logs, submitAndWait from the top-level calls", async () => {
    const run = await example("submit-and-wait.ts")
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^submitted task \d+ \(batch \d+\)$/m)
    expect(run.stdout).toMatch(/^finished: completed, exit code 0, on /m)
    expect(run.stdout).toMatch(/^output: hello from .+, GREETING=hi$/m)
    expect(run.stdout).toMatch(/^in one call: task \d+ failed, exit code 3$/m)
  }, 120_000)

  it("sweep.ts: 6 runs from two spans, in hakurun order, one batch, all completed", async () => {
    const run = await example("sweep.ts")
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^6 runs$/m)
    expect(run.stdout).toMatch(/^batch [0-9]+$/m)
    expect(run.stdout).toMatch(/^6\/6 done$/m)
    const results = run.stdout.split("\n").filter((l) => l.includes("completed"))
    expect(results).toEqual([
      "1 a  completed  n=1 mode=a result=10",
      "1 b  completed  n=1 mode=b result=10",
      "2 a  completed  n=2 mode=a result=20",
      "2 b  completed  n=2 mode=b result=20",
      "3 a  completed  n=3 mode=a result=30",
      "3 b  completed  n=3 mode=b result=30"
    ])
  }, 120_000)

  it("gpu-batch.ts: without GPUs, each GPU target is refused with a reason and the node target runs", async () => {
    const run = await example("gpu-batch.ts")
    expect(run.code).toBe(0)
    const node = cluster.node.name
    expect(run.stdout).toContain(`targets: ${node}::0 ${node}`)
    expect(run.stdout).toMatch(/^batch \d+: 1 task\(s\)$/m)
    expect(run.stdout).toMatch(new RegExp(`^refused ${node}::0: .+`, "m"))
    expect(run.stdout).toMatch(new RegExp(`^${node}  completed  gpus=\\[\\]  no GPU visible$`, "m"))
  }, 120_000)

  it("notebook.ts: the cells run top to bottom, following the log live", async () => {
    const run = await example("notebook.ts")
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(cluster.node.name)
    expect(run.stdout).toContain("step 1\nstep 2\nstep 3\n")
    expect(run.stdout).toMatch(/^completed \(exit 0\) in \d+ ms$/m)
    expect(run.stdout).toMatch(/^1\/1 nodes online$/m)
    expect(run.stdout).toMatch(/^\d+ completed$/m)
  }, 120_000)
})
