/** Starts HakuRiver as real child processes of the built CLI, the way users run it. */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { fileURLToPath } from "node:url"
import { connect } from "@hakuriver/sdk"
import { sleep } from "./sleep.js"

export const cliPath =
  process.env.BENCH_CLI ?? fileURLToPath(new URL("../../packages/cli/dist/hakuriver.js", import.meta.url))
const bareHostPath = fileURLToPath(new URL("./bareHost.mjs", import.meta.url))

export interface Proc {
  readonly child: ChildProcess
  /** The output until it was ready and the last chunks since. */
  readonly output: () => string
}

/** A free TCP port on an address. */
export const freePort = (host = "127.0.0.1"): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/**
 * `BENCH_CPU_PROF=DIR` makes every started process write a V8 CPU profile into DIR when it exits
 * (`node --cpu-prof`), to find the hottest path of a benchmark; `BENCH_NODE_ARGS` adds node flags
 * to them (e.g. `--trace-gc`, which NODE_OPTIONS refuses).
 */
const profileArgs = (label: string): ReadonlyArray<string> => {
  const dir = process.env.BENCH_CPU_PROF
  const extra = process.env.BENCH_NODE_ARGS?.split(" ").filter((a) => a !== "") ?? []
  return dir ? [...extra, "--cpu-prof", `--cpu-prof-dir=${join(dir, label)}`] : extra
}

/** How many chunks of a process's output (after it is ready) `output()` keeps. */
const tailChunks = 64

/**
 * Starts a Node script with args and env, resolving once its output matches `ready`; `label`
 * names its folder under `BENCH_CPU_PROF`.
 */
export const startNode = (
  script: string,
  label: string,
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 60_000
): Promise<Proc & { readonly match: RegExpMatchArray }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...profileArgs(label), script, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    const name = `${basename(script)} ${args.join(" ")}`
    let out = ""
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`${name} did not become ready:\n${out}`))
    }, timeoutMs)
    // once ready, only the last lines are kept: appending every log line (one per task) to the
    // whole output and matching it again cost the bench process up to a millisecond a line
    // after 2,000 tasks, while it waited for those tasks (RESULTS.md, change 71)
    const tail: Array<string> = []
    const keepTail = (chunk: Buffer) => {
      tail.push(chunk.toString())
      if (tail.length > tailChunks) tail.shift()
    }
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const match = out.match(ready)
      if (match !== null) {
        clearTimeout(timer)
        for (const stream of [child.stdout, child.stderr]) {
          stream.on("data", keepTail)
          stream.off("data", onData)
        }
        tail.push(out)
        resolve({ child, output: () => tail.join(""), match })
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited with ${code}:\n${out}`))
    })
  })

/** Starts the CLI with args and env, resolving once its output matches `ready`. */
export const startCli = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 60_000
): Promise<Proc & { readonly match: RegExpMatchArray }> =>
  startNode(cliPath, args[0] ?? "cli", args, env, ready, timeoutMs)

/** The floor of a host: Node's bare HTTP server answering register and heartbeat (`bareHost.mjs`). */
export const startBareHost = (port: number, heartbeatS: number): Promise<Proc> =>
  startNode(bareHostPath, "bare-host", [String(port), String(heartbeatS)], {}, /listening on/)

let stackHostBundle: Promise<string> | undefined

/**
 * The floor of the prescribed stack: an Effect `HttpApi` server answering register and heartbeat
 * (`stackHost.ts`), bundled once per bench run into `bench/out` as the CLI is bundled.
 */
export const startStackHost = async (port: number, heartbeatS: number): Promise<Proc> => {
  stackHostBundle ??= buildStackHost()
  return startNode(
    await stackHostBundle,
    "stack-host",
    [String(port), String(heartbeatS)],
    {},
    /Listening on/
  )
}

const buildStackHost = async (): Promise<string> => {
  const outDir = fileURLToPath(new URL("../out/stack-host", import.meta.url))
  const { build } = await import("tsup")
  await build({
    config: false,
    entry: { "stack-host": fileURLToPath(new URL("./stackHost.ts", import.meta.url)) },
    outDir,
    format: ["esm"],
    platform: "node",
    target: "node20",
    clean: true,
    silent: true,
    noExternal: [/.*/],
    // bundled CommonJS dependencies call require(), as in the CLI's bundle
    banner: {
      js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);'
    }
  })
  return join(outDir, "stack-host.js")
}

/** Stops a child and waits for it. */
export const stop = (proc: Proc): Promise<void> =>
  new Promise((resolve) => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return resolve()
    proc.child.removeAllListeners("exit")
    proc.child.once("exit", () => resolve())
    proc.child.kill("SIGTERM")
    setTimeout(() => proc.child.kill("SIGKILL"), 5_000).unref()
  })

/** A `FIELD:   N kB` line of a `/proc` file (`status`, `smaps_rollup`), in kB. */
const kBField = (text: string, field: string): number | undefined => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)
  return m === null ? undefined : Number(m[1])
}

/** Resident set size of a process in bytes (Linux). */
export const rssOf = (pid: number): number => {
  const kB = kBField(readFileSync(`/proc/${pid}/status`, "utf8"), "VmRSS")
  return kB === undefined ? Number.NaN : kB * 1024
}

/** CPU time (user + system) of a process in milliseconds (Linux). */
export const cpuMsOf = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
  const ticks = Number(fields[11]) + Number(fields[12])
  return (ticks * 1000) / 100
}

/** The child processes of a process (a runner's spawn helper); none once it is gone. */
const childrenOf = (pid: number): ReadonlyArray<number> => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
  } catch {
    return [] // gone, or no /proc
  }
}

/** CPU time of a process and its children (a runner and its spawn helper), in milliseconds. */
export const treeCpuMsOf = (pid: number): number =>
  childrenOf(pid).reduce((sum, child) => sum + cpuMsOf(child), cpuMsOf(pid))

/**
 * The memory a process's children hold of their own (private pages, `smaps_rollup`), in bytes:
 * what a runner's spawn helper adds to it (the `node` binary's pages are shared with the runner).
 */
export const childrenPrivateOf = (pid: number): number =>
  childrenOf(pid).reduce((sum, child) => {
    try {
      const rollup = readFileSync(`/proc/${child}/smaps_rollup`, "utf8")
      const kB = (field: string) => kBField(rollup, field) ?? 0
      return sum + (kB("Private_Clean") + kB("Private_Dirty")) * 1024
    } catch {
      return sum // it ended meanwhile
    }
  }, 0)

const finished: Array<string> = []

/**
 * A temp dir; `remove` queues it for {@link removeTempDirs} at the end of the run. Deleting a
 * section's thousands of files at once made file creation 30–40 times slower (20 µs → 0.6–0.8 ms
 * of system CPU per file) for the next tens of seconds on this VM's disk (ext4 mounted with
 * `discard`), and every task creates its log files: the next section measured that.
 */
export const tempDir = (prefix: string): { readonly path: string; readonly remove: () => void } => {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => void finished.push(path) }
}

/** Removes the temp dirs of the sections that ended. */
export const removeTempDirs = (): void => {
  for (const path of finished.splice(0)) rmSync(path, { recursive: true, force: true })
}

export interface Embedded {
  readonly url: string
  readonly proc: Proc
  readonly dataDir: string
  readonly close: () => Promise<void>
}

/** `hakuriver up` on a free port in a temp data dir. */
export const up = async (
  executor: "process" | "docker",
  extraEnv: Record<string, string> = {}
): Promise<Embedded> => {
  const dir = tempDir("hr-bench-")
  const proc = await startCli(
    ["up", "--data-dir", dir.path, "--port", "0", "--executor", executor],
    extraEnv,
    /HakuRiver is up at (http:\/\/\S+)/
  )
  return {
    url: proc.match[1]!,
    proc,
    dataDir: dir.path,
    close: async () => {
      await stop(proc)
      dir.remove()
    }
  }
}

/**
 * Which build of the CLI (`PATH/hakuriver.js`) runs the host and each runner (default: the
 * bench's own, `cliPath`), and the last byte of the first runner's loopback address.
 */
export interface Builds {
  readonly host?: string
  readonly runner?: (i: number) => string
  readonly firstAddress?: number
}

/** A host and its runners as processes of their own, as a cluster runs them. */
export interface Cluster {
  readonly url: string
  readonly dataDir: string
  readonly host: Proc
  readonly runners: ReadonlyArray<Proc>
  readonly close: () => Promise<void>
}

/**
 * `hakuriver host` and `runners` × `hakuriver runner` (on 127.0.0.2, .3, … or from
 * `builds.firstAddress`, each offering `slots` cores when given) in a temp data dir, resolved once
 * every runner is online; `builds` names other builds of the CLI for the host or a runner.
 */
export const cluster = async (
  executor: "process" | "docker",
  runners: number,
  slots?: number,
  builds: Builds = {}
): Promise<Cluster> => {
  const { host: hostCli = cliPath, runner: runnerCli = () => cliPath, firstAddress = 2 } = builds
  const dir = tempDir("hr-bench-cl-")
  const procs: Array<Proc> = []
  const close = async () => {
    for (const p of [...procs].reverse()) await stop(p)
    dir.remove()
  }
  try {
    const hostPort = await freePort()
    procs.push(
      await startNode(hostCli, "host", ["host"], clusterEnv({ dataDir: dir.path, hostPort }), /listening on/)
    )
    for (let i = 0; i < runners; i++) {
      const address = `127.0.0.${i + firstAddress}`
      const runnerPort = await freePort(address)
      const env = clusterEnv({
        dataDir: dir.path,
        hostPort,
        runnerAddress: address,
        runnerPort,
        runnerName: `bench${i}`,
        executor
      })
      const cores = slots === undefined ? {} : { HAKURIVER_RUNNER__MAX_CORES: String(slots) }
      procs.push(await startNode(runnerCli(i), "runner", ["runner"], { ...env, ...cores }, /runner on port/))
    }
    const url = `http://127.0.0.1:${hostPort}`
    const client = connect({ url })
    for (
      let waited = 0;
      (await client.nodes()).filter((n) => n.status === "online").length < runners;
      waited++
    ) {
      if (waited > 200) throw new Error("runners did not register")
      await sleep(100)
    }
    return { url, dataDir: dir.path, host: procs[0]!, runners: procs.slice(1), close }
  } catch (e) {
    await close()
    throw e
  }
}

/** Environment overrides that configure a host or runner process for a bench cluster. */
export const clusterEnv = (o: {
  readonly dataDir: string
  readonly hostPort: number
  readonly runnerAddress?: string
  readonly runnerPort?: number
  readonly runnerName?: string
  readonly executor?: string
  readonly heartbeat?: number
}): Record<string, string> => {
  const config = join(o.dataDir, "config.toml")
  writeFileSync(config, "# bench: everything comes from HAKURIVER_* overrides\n")
  return clusterEnvOf(o, config)
}

const clusterEnvOf = (o: Parameters<typeof clusterEnv>[0], config: string): Record<string, string> => ({
  HAKURIVER_CONFIG: config,
  HAKURIVER_NETWORK__HOST_BIND_IP: "127.0.0.1",
  HAKURIVER_NETWORK__HOST_PORT: String(o.hostPort),
  HAKURIVER_NETWORK__HOST_REACHABLE_ADDRESS: "127.0.0.1",
  HAKURIVER_PATHS__SHARED_DIR: join(o.dataDir, "shared"),
  HAKURIVER_PATHS__LOCAL_TEMP_DIR: join(o.dataDir, `temp-${o.runnerName ?? "host"}`),
  HAKURIVER_DATABASE__DB_FILE: join(o.dataDir, "hakuriver.db"),
  HAKURIVER_TIMING__HEARTBEAT_INTERVAL: String(o.heartbeat ?? 2),
  ...(o.runnerAddress === undefined
    ? {}
    : {
        HAKURIVER_NETWORK__RUNNER_BIND_IP: o.runnerAddress,
        HAKURIVER_NETWORK__RUNNER_ADDRESS: o.runnerAddress,
        HAKURIVER_NETWORK__RUNNER_PORT: String(o.runnerPort ?? 0),
        HAKURIVER_NETWORK__RUNNER_NAME: o.runnerName ?? "bench",
        HAKURIVER_RUNNER__EXECUTOR: o.executor ?? "process"
      })
})
