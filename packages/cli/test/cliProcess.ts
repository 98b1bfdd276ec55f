/**
 * Helpers of the system tests: build the CLI once (if its sources are newer than dist), run the
 * BUILT `hakuriver` as a child process, and start `hakuriver up` in the background.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** The repository root. */
export const root = fileURLToPath(new URL("../../../", import.meta.url))

/** The built CLI. */
export const bin = path.join(root, "packages/cli/dist/hakuriver.js")

const newest = (dir: string): number => {
  let latest = 0
  if (!fs.existsSync(dir)) return latest
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs)
  }
  return latest
}

const run = (command: string, args: ReadonlyArray<string>, cwd: string) =>
  new Promise<void>((resolve, reject) => {
    execFile(command, [...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, _stdout, stderr) =>
      error === null ? resolve() : reject(new Error(`${command} ${args.join(" ")} failed: ${stderr}`))
    )
  })

const lock = path.join(os.tmpdir(), "hakuriver-build.lock")

/**
 * Makes sure the built CLI is there: the whole build when a package has no build yet (`npm test`
 * builds before the tests run), else a rebuild of each package whose sources are newer than its
 * build. The CLI is one bundle of its own sources and those of core, host and runner: it is
 * rebuilt when any of them is newer.
 */
export const ensureBuilt = async (): Promise<void> => {
  const entries = { core: "index.js", host: "index.js", runner: "index.js", cli: "hakuriver.js" } as const
  const entryOf = (pkg: string, file: string) => path.join(root, "packages", pkg, "dist", file)
  const missing = Object.entries(entries).some(([pkg, file]) => !fs.existsSync(entryOf(pkg, file)))
  if (missing) {
    await run("flock", [lock, "npm", "run", "-s", "build"], root)
    return
  }
  const sources = new Map(
    Object.keys(entries).map((pkg) => [pkg, newest(path.join(root, "packages", pkg, "src"))])
  )
  const bundled = Math.max(...sources.values())
  for (const [pkg, file] of Object.entries(entries)) {
    if ((pkg === "cli" ? bundled : (sources.get(pkg) ?? 0)) > fs.statSync(entryOf(pkg, file)).mtimeMs) {
      // the package's own build: the host's also builds the dashboard that tsup's clean removes
      await run("flock", [lock, "npm", "run", "-s", "build"], path.join(root, "packages", pkg))
    }
  }
}

/** What a finished CLI run gave. */
export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the built CLI with `args` and waits for it. */
export const hakuriver = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {},
  timeoutMs = 60_000
): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, HAKURIVER_CONFIG: "", HAKURIVER_URL: "", HAKURIVER_TOKEN: "", ...env },
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
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

/** A running `hakuriver up`. */
export interface Cluster {
  readonly url: string
  readonly dataDir: string
  readonly process: ChildProcess
  readonly output: () => string
  readonly stop: () => Promise<void>
}

/** Starts `hakuriver up` on a free port in a fresh temp data dir and waits until it is ready. */
export const startUp = (extra: ReadonlyArray<string> = [], env: Readonly<Record<string, string>> = {}) =>
  new Promise<Cluster>((resolve, reject) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hr-up-"))
    const child = spawn(
      process.execPath,
      [bin, "up", "--data-dir", dataDir, "--port", "0", "--executor", "process", ...extra],
      {
        cwd: root,
        env: { ...process.env, HAKURIVER_CONFIG: "", HAKURIVER_URL: "", HAKURIVER_TOKEN: "", ...env },
        stdio: ["ignore", "pipe", "pipe"]
      }
    )
    let output = ""
    let ready = false
    const stop = () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          fs.rmSync(dataDir, { recursive: true, force: true })
          return done()
        }
        const hard = setTimeout(() => child.kill("SIGKILL"), 10_000)
        child.once("close", () => {
          clearTimeout(hard)
          fs.rmSync(dataDir, { recursive: true, force: true })
          done()
        })
        child.kill("SIGTERM")
      })
    const onData = (d: Buffer) => {
      output += d.toString()
      const m = /HakuRiver is up at (http:\/\/\S+)/.exec(output)
      if (m?.[1] !== undefined && !ready) {
        ready = true
        resolve({ url: m[1], dataDir, process: child, output: () => output, stop })
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.on("close", (code) => {
      if (!ready) reject(new Error(`hakuriver up exited with ${code}: ${output}`))
    })
  })

/** A background `hakuriver` process (host or runner) and its output so far. */
export interface Background {
  readonly process: ChildProcess
  readonly output: () => string
  readonly stop: () => Promise<void>
}

/** Starts the built CLI in the background (e.g. `host --config F`). */
export const background = (args: ReadonlyArray<string>): Background => {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, HAKURIVER_CONFIG: "", HAKURIVER_URL: "", HAKURIVER_TOKEN: "" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString()
  })
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString()
  })
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done()
      const hard = setTimeout(() => child.kill("SIGKILL"), 10_000)
      child.once("close", () => {
        clearTimeout(hard)
        done()
      })
      child.kill("SIGTERM")
    })
  return { process: child, output: () => output, stop }
}
