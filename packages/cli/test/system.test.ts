/**
 * System tests of the built `hakuriver` CLI: `hakuriver up` in the background (free port, temp
 * data dir, process executor), then the client commands as child processes — output, logs,
 * `--json`, the `--` passthrough and SPEC.md's exit codes.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { freePort } from "../src/embedded/freePort.js"
import {
  type Background,
  background,
  bin,
  type Cluster,
  ensureBuilt,
  hakuriver,
  root,
  startUp
} from "./cliProcess.js"

let cluster: Cluster
let env: Record<string, string>

beforeAll(async () => {
  await ensureBuilt()
  cluster = await startUp()
  env = { HAKURIVER_URL: cluster.url }
}, 300_000)

afterAll(async () => {
  await cluster?.stop()
})

const json = <A>(text: string): A => JSON.parse(text) as A

/** The one non-empty line of an error output. */
const errorLines = (stderr: string) => stderr.split("\n").filter((l) => l.trim() !== "")

const statusOf = async (id: string) =>
  json<{ status: string }>((await hakuriver(["status", id, "--json"], env)).stdout).status

describe("hakuriver (built) against hakuriver up", () => {
  it("submit --wait runs the command with its env; logs prints its output; exit 0", async () => {
    const run = await hakuriver(["submit", "--env", "FOO=bar", "--wait", "--", "sh", "-c", "echo $FOO"], env)
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    const id = /^ {2}(\d+)/m.exec(run.stdout)?.[1]
    expect(id).toBeDefined()
    expect(run.stdout).toMatch(/completed\s+0/)
    const logs = await hakuriver(["logs", id!], env)
    expect(logs.code).toBe(0)
    expect(logs.stdout).toBe("bar\n")
  }, 60_000)

  it("off a terminal, each log event is one logfmt line (a task's end with its exit code)", async () => {
    const run = await hakuriver(["submit", "--wait", "--", "sh", "-c", "exit 4"], env)
    const id = /^ {2}(\d+)/m.exec(run.stdout)?.[1]
    expect(id).toBeDefined()
    const lineOf = () =>
      cluster
        .output()
        .split("\n")
        .find((l) => l.includes(`task ${id} failed`))
    for (let i = 0; i < 50 && lineOf() === undefined; i++) await new Promise((r) => setTimeout(r, 100))
    expect(lineOf()).toMatch(
      new RegExp(
        `^timestamp=\\S+ level=INFO fiber=#\\d+ message="task ${id} failed \\(exit code 4\\)" executor=process taskId=${id}$`
      )
    )
  }, 60_000)

  it("the bundled CLI's host serves the dashboard and the API reference", async () => {
    const page = await fetch(`${cluster.url}/`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toMatch(/<title>HakuRiver<\/title>/)
    expect(html).not.toMatch(/not built/)
    const asset = /\/assets\/[A-Za-z0-9._-]+\.js/.exec(html)?.[0]
    expect(asset).toBeDefined()
    expect((await fetch(`${cluster.url}${asset}`)).status).toBe(200)
    expect((await fetch(`${cluster.url}/docs`)).status).toBe(200)
  }, 30_000)

  it("passes everything after -- through untouched, options included", async () => {
    const run = await hakuriver(
      [
        "submit",
        "--json",
        "--wait",
        "--",
        "sh",
        "-c",
        'printf "%s|" "$@"',
        "x",
        "--wait",
        "--help",
        "--",
        "-f"
      ],
      env
    )
    expect(run.code).toBe(0)
    const { taskIds, tasks } = json<{ taskIds: Array<string>; tasks: Array<{ command: Array<string> }> }>(
      run.stdout
    )
    expect(tasks[0]?.command).toEqual(["sh", "-c", 'printf "%s|" "$@"', "x", "--wait", "--help", "--", "-f"])
    const logs = await hakuriver(["logs", taskIds[0]!], env)
    expect(logs.stdout).toBe("--wait|--help|--|-f|")
  }, 60_000)

  it("exit code 1 when a waited task fails; stderr logs and --tail", async () => {
    const run = await hakuriver(
      ["submit", "--wait", "--", "sh", "-c", "echo one >&2; echo two >&2; exit 3"],
      env
    )
    expect(run.code).toBe(1)
    expect(errorLines(run.stderr)).toHaveLength(1)
    expect(run.stderr).toMatch(/failed \(exit code 3\)/)
    const id = /^ {2}(\d+)/m.exec(run.stdout)?.[1]
    const all = await hakuriver(["logs", "--stderr", id!], env)
    expect(all.stdout).toBe("one\ntwo\n")
    const tail = await hakuriver(["logs", "--stderr", "--tail", "1", id!], env)
    expect(tail.stdout).toBe("two\n")
  }, 60_000)

  it("kill: a running task ends killed, and wait exits 1", async () => {
    const submitted = await hakuriver(["submit", "--json", "--", "sleep", "30"], env)
    expect(submitted.code).toBe(0)
    const id = json<{ taskIds: Array<string> }>(submitted.stdout).taskIds[0]!
    for (let i = 0; i < 100 && (await statusOf(id)) !== "running"; i++)
      await new Promise((r) => setTimeout(r, 100))
    expect(await statusOf(id)).toBe("running")
    const killed = await hakuriver(["kill", id], env)
    expect(killed.code).toBe(0)
    const waited = await hakuriver(["wait", id, "--json"], env)
    expect(waited.code).toBe(1)
    expect(json<Array<{ status: string }>>(waited.stdout)[0]?.status).toBe("killed")
  }, 60_000)

  it("pause and resume a running task, then kill it", async () => {
    const submitted = await hakuriver(["submit", "--json", "--", "sleep", "30"], env)
    const id = json<{ taskIds: Array<string> }>(submitted.stdout).taskIds[0]!
    for (let i = 0; i < 100 && (await statusOf(id)) !== "running"; i++)
      await new Promise((r) => setTimeout(r, 100))
    const paused = await hakuriver(["pause", id], env)
    expect(paused.code).toBe(0)
    expect(paused.stdout).toBe(`task ${id}: paused\n`)
    expect(await statusOf(id)).toBe("paused")
    const resumed = await hakuriver(["resume", id, "--json"], env)
    expect(json<{ status: string }>(resumed.stdout).status).toBe("running")
    expect((await hakuriver(["kill", id], env)).code).toBe(0)
    expect((await hakuriver(["wait", id], env)).code).toBe(1)
    const again = await hakuriver(["pause", id], env)
    expect(again.code).toBe(2)
  }, 60_000)

  it("waiting on a terminal draws a live progress line on stderr (n done of m)", async () => {
    // `script` gives the CLI a pseudo-terminal
    const ids: Array<string> = []
    for (const seconds of ["1", "1.5"]) {
      const submitted = await hakuriver(["submit", "--json", "--", "sleep", seconds], env)
      ids.push(...json<{ taskIds: Array<string> }>(submitted.stdout).taskIds)
    }
    const line = [process.execPath, bin, "wait", ...ids]
    const quoted = line.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ")
    const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(
        "script",
        ["-qec", quoted, "/dev/null"],
        {
          cwd: root,
          env: { ...process.env, ...env, HAKURIVER_TOKEN: "", HAKURIVER_CONFIG: "" },
          timeout: 60_000
        },
        (error, stdout) => resolve({ code: error === null ? 0 : (error.code as number), out: stdout })
      )
    })
    expect(run.code).toBe(0)
    expect(run.out).toMatch(/\[[#.]{20}\] [0-2]\/2 done/)
    expect(run.out).toContain("\r\x1b[2K")
  }, 60_000)

  it("follows a log until the task ends", async () => {
    const submitted = await hakuriver(["submit", "--json", "--", "sh", "-c", "echo a; sleep 1; echo b"], env)
    const id = json<{ taskIds: Array<string> }>(submitted.stdout).taskIds[0]!
    const followed = await hakuriver(["logs", "--follow", id], env)
    expect(followed.code).toBe(0)
    expect(followed.stdout).toBe("a\nb\n")
  }, 60_000)

  it("--json documents parse with the SDK's field names", async () => {
    const nodes = await hakuriver(["nodes", "--json"], env)
    expect(nodes.code).toBe(0)
    const [node] = json<Array<Record<string, unknown>>>(nodes.stdout)
    expect(node).toMatchObject({ status: "online" })
    expect(Object.keys(node!)).toEqual(
      expect.arrayContaining(["name", "url", "cores", "memoryBytes", "numa", "gpus", "allocated"])
    )
    const tasks = await hakuriver(["tasks", "--json", "--status", "completed"], env)
    const list = json<Array<Record<string, unknown>>>(tasks.stdout)
    expect(list.length).toBeGreaterThan(0)
    expect(list.every((t) => t["status"] === "completed")).toBe(true)
    expect(Object.keys(list[0]!)).toEqual(
      expect.arrayContaining([
        "taskId",
        "status",
        "exitCode",
        "node",
        "target",
        "batchId",
        "submittedAt",
        "finishedAt"
      ])
    )
    const status = await hakuriver(["status", String(list[0]!["taskId"]), "--json"], env)
    expect(json<Record<string, unknown>>(status.stdout)["taskId"]).toBe(list[0]!["taskId"])
    const health = await hakuriver(["health", "--json"], env)
    expect(json<{ aggregate: { nodesOnline: number } }>(health.stdout).aggregate.nodesOnline).toBe(1)
  }, 60_000)

  it("bad options and refused requests: one line on stderr, exit 2", async () => {
    const cases: Array<ReadonlyArray<string>> = [
      ["submit", "--memory", "4X", "--", "true"],
      ["submit", "--bogus", "--", "true"],
      ["submit", "--env", "NOEQUALS", "--", "true"],
      ["submit", "--target", "node1:x", "--", "true"],
      ["submit", "--target", "nosuchnode", "--", "true"],
      ["submit", "--wait"],
      ["status", "abc"],
      ["status", "123456"],
      ["frobnicate"]
    ]
    const runs = await Promise.all(cases.map((args) => hakuriver(args, env).then((run) => ({ args, run }))))
    for (const { args, run } of runs) {
      expect({ args, code: run.code }).toEqual({ args, code: 2 })
      expect({ args, lines: errorLines(run.stderr).length }).toEqual({ args, lines: 1 })
      expect(run.stderr).not.toMatch(/\bat .*\.(js|ts):\d+/)
    }
  }, 120_000)

  it("every command has --help with an example", async () => {
    const commands = [
      "submit",
      "status",
      "kill",
      "pause",
      "resume",
      "wait",
      "logs",
      "tasks",
      "nodes",
      "health"
    ]
    const all = [...commands, "host", "runner", "up"]
    const runs = await Promise.all(
      all.map((command) => hakuriver([command, "--help"], env).then((run) => ({ command, run })))
    )
    for (const { command, run } of runs) {
      expect({ command, code: run.code }).toEqual({ command, code: 0 })
      expect({ command, example: /Example/.test(run.stdout) }).toEqual({ command, example: true })
    }
  }, 120_000)
})

describe("hakuriver (built) without a host", () => {
  beforeAll(() => ensureBuilt(), 300_000)

  it("exit 3 when the host cannot be reached", async () => {
    const port = await Effect.runPromise(freePort())
    const run = await hakuriver(["nodes"], { HAKURIVER_URL: `http://127.0.0.1:${port}` })
    expect(run.code).toBe(3)
    expect(errorLines(run.stderr)).toEqual([
      `hakuriver: cannot reach the host at http://127.0.0.1:${port} (ECONNREFUSED)`
    ])
  }, 60_000)
})

describe("hakuriver host and hakuriver runner as separate processes, with a token", () => {
  let dir: string
  let config: string
  const started: Array<Background> = []

  beforeAll(async () => {
    await ensureBuilt()
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hr-sys-"))
    const [hostPort, runnerPort] = await Effect.runPromise(Effect.all([freePort(), freePort()]))
    config = path.join(dir, "config.toml")
    fs.writeFileSync(
      config,
      [
        "[network]",
        'host_bind_ip = "127.0.0.1"',
        `host_port = ${hostPort}`,
        'runner_bind_ip = "127.0.0.1"',
        `runner_port = ${runnerPort}`,
        'runner_name = "sys-runner"',
        "[paths]",
        `shared_dir = "${path.join(dir, "shared")}"`,
        `local_temp_dir = "${path.join(dir, "temp")}"`,
        "[database]",
        `db_file = "${path.join(dir, "hakuriver.db")}"`,
        "[runner]",
        'executor = "process"',
        "[security]",
        'token = "sys-token"',
        ""
      ].join("\n")
    )
    started.push(background(["host", "--config", config]), background(["runner", "--config", config]))
    const deadline = Date.now() + 120_000
    while (Date.now() < deadline) {
      const nodes = await hakuriver(["nodes", "--json", "--config", config])
      if (nodes.code === 0 && nodes.stdout.includes('"online"')) return
      await new Promise((r) => setTimeout(r, 200))
    }
    throw new Error(`the runner did not register: ${started.map((b) => b.output()).join("\n")}`)
  }, 300_000)

  afterAll(async () => {
    await Promise.all(started.map((b) => b.stop()))
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true })
  })

  it("the client finds the host and token through --config; tasks run on the runner", async () => {
    const run = await hakuriver([
      "submit",
      "--config",
      config,
      "--json",
      "--wait",
      "--",
      "echo",
      "from the runner"
    ])
    expect(run.code).toBe(0)
    const { tasks } = json<{ tasks: Array<{ node: string; status: string; taskId: string }> }>(run.stdout)
    expect(tasks[0]).toMatchObject({ node: "sys-runner", status: "completed" })
    const logs = await hakuriver(["logs", "--config", config, tasks[0]!.taskId])
    expect(logs.stdout).toBe("from the runner\n")
  }, 60_000)

  it("exit 3 when the host refuses the token", async () => {
    const run = await hakuriver(["nodes", "--config", config], { HAKURIVER_TOKEN: "wrong" })
    expect(run.code).toBe(3)
    expect(errorLines(run.stderr)).toHaveLength(1)
  }, 60_000)

  it("a bad config file is one line and exit 2", async () => {
    const bad = path.join(dir, "bad.toml")
    fs.writeFileSync(bad, "[network]\nhost_prot = 1\n")
    const run = await hakuriver(["nodes", "--config", bad])
    expect(run.code).toBe(2)
    expect(errorLines(run.stderr)).toEqual([expect.stringContaining("host_prot")])
  }, 60_000)
})
