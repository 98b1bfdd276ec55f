/**
 * The hostile-input catalogue at the CLI: the built `hakuriver` against a live host with a token
 * and one runner (plus one that left). Each bad input exits 2 with a one-line message and stores
 * nothing; shell metacharacters after `--` reach the task's process verbatim.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Host } from "@hakuriver/host"
import { Runner } from "@hakuriver/runner"
import { fromObject, type HakuRiverConfig } from "@hakuriver/sdk"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Either, ExecutionStrategy, Exit, Layer, ManagedRuntime, Scope } from "effect"
import { bin, ensureBuilt } from "./cliProcess.js"

const token = "cli-hostile-token"

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

let url = ""
let dir = ""
const cli = (args: ReadonlyArray<string>): Promise<Run> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: dir,
      env: {
        ...process.env,
        HAKURIVER_CONFIG: path.join(dir, "none.toml"),
        HAKURIVER_URL: url,
        HAKURIVER_TOKEN: token
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString()
    })
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

const configOf = (extra: Record<string, Record<string, unknown>>): HakuRiverConfig =>
  Either.getOrThrow(
    fromObject({
      ...extra,
      network: {
        host_bind_ip: "127.0.0.1",
        host_port: 0,
        host_reachable_address: "127.0.0.1",
        runner_bind_ip: "127.0.0.1",
        runner_address: "127.0.0.1",
        runner_port: 0,
        ...extra.network
      },
      paths: { shared_dir: path.join(dir, "shared"), local_temp_dir: path.join(dir, "temp") },
      database: { db_file: path.join(dir, "host.db") },
      timing: { heartbeat_interval: 0.2, heartbeat_timeout_factor: 5, cleanup_check_interval: 0.2 },
      runner: { executor: "process", max_cores: 2 },
      security: { token, allow_privileged: false }
    })
  )

const taskCount = async () => {
  const response = await fetch(`${url}/tasks`, { headers: { authorization: `Bearer ${token}` } })
  return ((await response.json()) as Array<unknown>).length
}
const nodeStatus = async (name: string) => {
  const response = await fetch(`${url}/nodes`, { headers: { authorization: `Bearer ${token}` } })
  return ((await response.json()) as Array<{ name: string; status: string }>).find((n) => n.name === name)
    ?.status
}
const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 400 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50))
}

const scope = Effect.runSync(Scope.make())
const runtime = ManagedRuntime.make(Layer.empty)

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hakuriver-cli-hostile-"))
  await ensureBuilt()
  const ctx = await runtime.runPromise(Layer.buildWithScope(Host.layer(configOf({})), scope))
  url = await runtime.runPromise(Effect.provide(Host.url, ctx))
  const port = Number(new URL(url).port)
  const runnerOf = (name: string) =>
    Runner.layer(configOf({ network: { host_port: port, runner_name: name } }))
  await runtime.runPromise(Layer.buildWithScope(runnerOf("r1"), scope))
  // r2 joins, then leaves (its layer is closed): the host marks it offline
  const r2Scope = await runtime.runPromise(Scope.fork(scope, ExecutionStrategy.sequential))
  await runtime.runPromise(Layer.buildWithScope(runnerOf("r2"), r2Scope))
  await until(async () => (await nodeStatus("r2")) === "online" && (await nodeStatus("r1")) === "online")
  await runtime.runPromise(Scope.close(r2Scope, Exit.void))
  await until(async () => (await nodeStatus("r2")) === "offline")
  expect(await nodeStatus("r2")).toBe("offline")
}, 120_000)

afterAll(async () => {
  await runtime.runPromise(Scope.close(scope, Exit.void))
  await runtime.dispose()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** Exit 2, one line on stderr matching `pattern`, and nothing stored. */
const refusedByCli = async (args: ReadonlyArray<string>, pattern: RegExp) => {
  const before = await taskCount()
  const run = await cli(args)
  const lines = run.stderr.trim().split("\n")
  expect([args, run.code]).toEqual([args, 2])
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(pattern)
  expect(await taskCount()).toBe(before)
}

describe("hostile input at the CLI", () => {
  it("shell metacharacters after -- reach the process verbatim", { timeout: 60_000 }, async () => {
    const marker = (n: number) => path.join(dir, `pwned-${n}`)
    const args = [
      `true; touch ${marker(1)}`,
      `$(touch ${marker(2)})`,
      `\`touch ${marker(3)}\``,
      `| touch ${marker(4)}`,
      "*"
    ]
    const run = await cli([
      "submit",
      "--container",
      "NULL",
      "--target",
      "r1",
      "--wait",
      "--",
      "/bin/echo",
      ...args
    ])
    expect([run.code, run.stderr]).toEqual([0, run.stderr])
    const id = /\d{6,}/.exec(run.stdout + run.stderr)?.[0] ?? ""
    expect(id).not.toBe("")
    const logs = await cli(["logs", id])
    expect(logs.code).toBe(0)
    expect(logs.stdout).toBe(`${args.join(" ")}\n`)
    for (let n = 1; n <= 4; n++) expect(fs.existsSync(marker(n))).toBe(false)
  })

  it("bad env names, mounts, cores, memory, targets, privileged: exit 2, one line, nothing stored", {
    timeout: 120_000
  }, async () => {
    const submit = (...options: Array<string>) => ["submit", "--container", "NULL", ...options, "--", "true"]
    await refusedByCli(submit("--env", "A\nB=x"), /environment variable name|--env/)
    await refusedByCli(submit("--env", "../x=1"), /environment variable name/)
    await refusedByCli(submit("--env", "=x"), /--env|KEY=VALUE/)
    await refusedByCli(submit("--mount", "/:/host"), /not allowed/)
    await refusedByCli(submit("--mount", "/a/../etc:/etc"), /mount/)
    await refusedByCli(submit("--mount", "relative:/x"), /mount/)
    await refusedByCli(submit("--cores", "-1"), /cores/i)
    await refusedByCli(submit("--cores", "1000000000"), /cores/i)
    await refusedByCli(submit("--memory", "-5"), /memory/i)
    await refusedByCli(submit("--memory", "abc"), /memory/i)
    await refusedByCli(submit("--target", "r1", "--target", "r1"), /duplicate target "r1"/)
    await refusedByCli(submit("--target", "nowhere"), /unknown node "nowhere"/)
    await refusedByCli(submit("--target", "r2"), /node "r2" is offline/)
    await refusedByCli(submit("--target", "../r1"), /target|node/)
    await refusedByCli(submit("--privileged"), /privileged tasks are not allowed/)
  })

  it("traversal in task ids: exit 2, one line", { timeout: 60_000 }, async () => {
    for (const command of ["status", "logs", "kill"]) {
      await refusedByCli([command, "../../etc/passwd"], /task id|TaskId|decimal digits/i)
    }
  })
})
