/**
 * Helpers of the fault suite: temp dirs, free loopback ports, config files, the host and runner
 * as child processes (`node --import tsx` on the test fixtures, from the repository root so the
 * workspace imports resolve to sources), raw HTTP with the token, and polling.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** The repository root. */
export const root = fileURLToPath(new URL("../../", import.meta.url))
const hostMain = path.join(root, "packages/host/test/fixtures/host-main.ts")
const runnerMain = path.join(root, "packages/runner/test/fixtures/runner-main.ts")

/** The token every fault test uses. */
export const token = "faults-token"

/** A fresh temp dir (the caller removes it). */
export const makeTempDir = (prefix: string): string =>
  fs.mkdtempSync(path.join(os.tmpdir(), `hakuriver-${prefix}-`))

/** A free TCP port on `host` (listen on 0, read it, close). */
export const freePort = (host = "127.0.0.1"): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/** Timing for fault tests: quick heartbeats, a node is offline after about a second. */
export const quickTiming = {
  heartbeat_interval: 0.2,
  heartbeat_timeout_factor: 5,
  cleanup_check_interval: 0.2
}

/** A whole configuration object (as `fromObject` takes it) for a member of a cluster in `dir`. */
export const clusterConfig = (
  dir: string,
  hostPort: number,
  extra: Record<string, Record<string, unknown>> = {}
): Record<string, Record<string, unknown>> => ({
  ...extra,
  network: {
    host_bind_ip: "127.0.0.1",
    host_port: hostPort,
    host_reachable_address: "127.0.0.1",
    runner_bind_ip: "127.0.0.1",
    runner_address: "127.0.0.1",
    runner_port: 0,
    ...extra.network
  },
  paths: { shared_dir: path.join(dir, "shared"), local_temp_dir: path.join(dir, "temp"), ...extra.paths },
  database: { db_file: path.join(dir, "host.db"), ...extra.database },
  timing: { ...quickTiming, ...extra.timing },
  runner: { executor: "process", ...extra.runner },
  docker: { default_container_name: "faults-env", ...extra.docker },
  security: { token, ...extra.security }
})

/** A running child process and the file its output goes to. */
export interface Child {
  readonly process: ChildProcess
  readonly log: string
}

/** Children started by the suite, killed by {@link killAll}. */
const children = new Set<ChildProcess>()

/**
 * Starts a host or runner child with the configuration object `config` (written next to its log
 * in `dir`). `wrap` prefixes the command (for example `ip netns exec NS`); `env` adds variables.
 */
export const startChild = (
  kind: "host" | "runner",
  dir: string,
  name: string,
  config: Record<string, unknown>,
  wrap: ReadonlyArray<string> = [],
  env: Readonly<Record<string, string>> = {}
): Child => {
  const file = path.join(dir, `${name}.json`)
  fs.writeFileSync(file, JSON.stringify(config))
  const log = path.join(dir, `${name}.log`)
  const out = fs.openSync(log, "a")
  const argv = [process.execPath, "--import", "tsx", kind === "host" ? hostMain : runnerMain, file]
  const [command, ...args] = [...wrap, ...argv]
  const child = spawn(command ?? process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", out, out]
  })
  fs.closeSync(out)
  children.add(child)
  child.once("exit", () => children.delete(child))
  return { process: child, log }
}

/** SIGKILLs a child and waits until it is gone. */
export const sigkill = (child: Child): Promise<void> =>
  new Promise((resolve) => {
    const p = child.process
    if (p.exitCode !== null || p.signalCode !== null) return resolve()
    p.once("exit", () => resolve())
    p.kill("SIGKILL")
  })

/** SIGKILLs every child the suite started that still runs. */
export const killAll = async (): Promise<void> => {
  await Promise.all([...children].map((p) => sigkill({ process: p, log: "" })))
}

/** A JSON answer of the host. */
export interface Answer<A = unknown> {
  readonly status: number
  readonly body: A
}

/** A raw request with the token; network errors answer status 0. */
export const call = async <A = unknown>(
  url: string,
  init: { method?: string; body?: unknown; timeoutMs?: number } = {}
): Promise<Answer<A>> => {
  try {
    const response = await fetch(url, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) })
    })
    const text = await response.text()
    return { status: response.status, body: (text === "" ? null : JSON.parse(text)) as A }
  } catch {
    return { status: 0, body: null as A }
  }
}

/** A task as the fault tests read it. */
export interface TaskRow {
  readonly taskId: string
  readonly batchId: string
  readonly status: string
  readonly node: string | null
  readonly error: string | null
  readonly exitCode: number | null
}

/** A node as the fault tests read it. */
export interface NodeRow {
  readonly name: string
  readonly status: string
}

/** Every task of the host. */
export const tasksOf = async (url: string): Promise<ReadonlyArray<TaskRow>> => {
  const answer = await call<ReadonlyArray<TaskRow>>(`${url}/tasks?limit=10000`)
  return answer.status === 200 ? answer.body : []
}

/** The status of node `name` ("" when unknown or the host does not answer). */
export const nodeStatus = async (url: string, name: string): Promise<string> => {
  const answer = await call<ReadonlyArray<NodeRow>>(`${url}/nodes`)
  return answer.status === 200 ? (answer.body.find((n) => n.name === name)?.status ?? "") : ""
}

/** Polls `check` every 100 ms until it holds; throws with `what` after `timeoutMs`. */
export const until = async (
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000
): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Submits `command` (process executor, no container); answers the task ids, or [] if refused. */
export const submit = async (
  url: string,
  command: ReadonlyArray<string>,
  fields: Record<string, unknown> = {},
  timeoutMs = 10_000
): Promise<Answer<{ taskIds: ReadonlyArray<string> } | null>> =>
  call(`${url}/tasks`, { method: "POST", body: { command, container: "NULL", ...fields }, timeoutMs })

/** The final statuses. */
export const finalStatuses = new Set(["completed", "failed", "killed", "killed_oom", "lost"])

/** Whether a command is on PATH and answers (`docker info`, `ip -V`). */
export const works = (command: string, args: ReadonlyArray<string>): boolean =>
  spawnSync(command, [...args], { stdio: "ignore", timeout: 20_000 }).status === 0
