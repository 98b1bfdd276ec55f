/**
 * `hakuriver docker …` end to end with the built CLI against `hakuriver up --executor docker`
 * (host + local runner sharing one data dir) and the real engine: create-container, a shell driven
 * through a real pty (`script`), create-tar with progress, list-tars, then a task with
 * `--container ENV` on the runner that sees the file the shell wrote — loaded from the tarball.
 * Also: invalid env names are refused by the CLI with a clear error and exit code 2.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import Docker from "dockerode"
import { bin, ensureBuilt, hakuriver, root } from "./cliProcess.js"

const testImage = "hakuriver-test/busybox:latest"

const dockerAnswers = (() => {
  try {
    execFileSync("docker", ["info"], { stdio: "ignore", timeout: 20_000 })
    return true
  } catch {
    return false
  }
})()
/** Without Docker these tests are skipped, except in CI where they must run (and fail). */
const runDockerTests = dockerAnswers || process.env["CI"] === "true"

const env = `cli${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 7)}`

interface Up {
  readonly url: string
  readonly child: ChildProcess
  readonly dataDir: string
}

/** `hakuriver up --executor docker` on a free port in a temp data dir, once it is ready. */
const startDockerUp = () =>
  new Promise<Up>((resolve, reject) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hr-docker-up-"))
    const child = spawn(
      process.execPath,
      [bin, "up", "--data-dir", dataDir, "--port", "0", "--executor", "docker"],
      {
        cwd: root,
        env: { ...process.env, HAKURIVER_CONFIG: "", HAKURIVER_URL: "", HAKURIVER_TOKEN: "" },
        stdio: ["ignore", "pipe", "pipe"]
      }
    )
    let output = ""
    const onData = (d: Buffer) => {
      output += d.toString()
      const m = /HakuRiver is up at (http:\/\/\S+)/.exec(output)
      if (m?.[1] !== undefined) resolve({ url: m[1], child, dataDir })
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.on("close", (code) => reject(new Error(`hakuriver up exited with ${code}: ${output}`)))
  })

const stopUp = (up: Up) =>
  new Promise<void>((done) => {
    const finish = () => {
      fs.rmSync(up.dataDir, { recursive: true, force: true })
      done()
    }
    if (up.child.exitCode !== null || up.child.signalCode !== null) return finish()
    const hard = setTimeout(() => up.child.kill("SIGKILL"), 10_000)
    up.child.once("close", () => {
      clearTimeout(hard)
      finish()
    })
    up.child.kill("SIGTERM")
  })

let cluster: Up | undefined
let vars: Record<string, string> = {}

beforeAll(async () => {
  await ensureBuilt()
  if (!runDockerTests) return
  try {
    execFileSync("docker", ["image", "inspect", testImage], { stdio: "ignore" })
  } catch {
    execFileSync("bash", ["scripts/images/busybox.sh", testImage], { cwd: root, stdio: "inherit" })
  }
  cluster = await startDockerUp()
  vars = { HAKURIVER_URL: cluster.url }
}, 300_000)

afterAll(async () => {
  if (cluster !== undefined) await stopUp(cluster)
  if (!dockerAnswers) return
  const docker = new Docker()
  const containers = await docker.listContainers({ all: true, filters: { label: [`hakuriver.env=${env}`] } })
  for (const c of containers)
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => {})
  const images = await docker.listImages({ filters: { reference: [`hakuriver/${env}`] } })
  for (const image of images)
    await docker
      .getImage(image.Id)
      .remove({ force: true })
      .catch(() => {})
})

/**
 * Runs `hakuriver docker shell ENV` inside a real pty (`script`), typing each step once the
 * output shows its `after` marker; resolves with the exit code and the terminal output.
 */
const shellInPty = (
  steps: ReadonlyArray<{ readonly after: string; readonly type: string }>,
  timeoutMs = 30_000
): Promise<{ readonly code: number | null; readonly output: string }> =>
  new Promise((resolve, reject) => {
    const command = [process.execPath, bin, "docker", "shell", env].map((w) => `'${w}'`).join(" ")
    const child = spawn("script", ["-qefc", command, "/dev/null"], {
      cwd: root,
      env: { ...process.env, ...vars, HAKURIVER_CONFIG: "", HAKURIVER_TOKEN: "", TERM: "xterm" },
      stdio: ["pipe", "pipe", "pipe"]
    })
    let output = ""
    let next = 0
    const pump = () => {
      while (next < steps.length && output.includes(steps[next]!.after)) {
        child.stdin.write(steps[next]!.type)
        next++
      }
    }
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString("utf8")
      pump()
    })
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString("utf8")
    })
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the shell did not finish; output so far:\n${output}`))
    }, timeoutMs)
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })

/** `hakuriver docker shell ENV` with `input` piped in (no TTY). */
const pipedShell = (input: string) =>
  new Promise<{ readonly code: number | null; readonly stdout: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "docker", "shell", env], {
      cwd: root,
      env: { ...process.env, ...vars, HAKURIVER_CONFIG: "", HAKURIVER_TOKEN: "" },
      stdio: ["pipe", "pipe", "pipe"]
    })
    let stdout = ""
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString("utf8")
    })
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the piped shell did not end; output so far:\n${stdout}`))
    }, 30_000)
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout })
    })
    child.stdin.end(input)
  })

describe("hakuriver docker (built CLI)", () => {
  it("refuses invalid env names with a clear error and exit code 2", async () => {
    for (const bad of ["../x", "A B", "a".repeat(200)]) {
      const created = await hakuriver(["docker", "create-container", testImage, bad], {
        HAKURIVER_URL: "http://127.0.0.1:9"
      })
      expect(created.code).toBe(2)
      expect(created.stdout + created.stderr).toContain("invalid environment name")
    }
    const shell = await hakuriver(["docker", "shell", "../x"], { HAKURIVER_URL: "http://127.0.0.1:9" })
    expect(shell.code).toBe(2)
    expect(shell.stdout + shell.stderr).toContain("invalid environment name")
  }, 60_000)

  it("shows help with examples", async () => {
    const help = await hakuriver(["docker", "create-tar", "--help"])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("hakuriver docker create-tar torch")
  }, 30_000)

  it.runIf(runDockerTests)(
    "create-container → shell in a pty writes a file → create-tar → a task in the env sees it",
    async () => {
      const created = await hakuriver(["docker", "create-container", testImage, env, "--json"], vars)
      expect(created.stderr).toBe("")
      expect(created.code).toBe(0)
      expect(JSON.parse(created.stdout)).toMatchObject({ env, state: "running", image: testImage })

      const again = await hakuriver(["docker", "create-container", testImage, env], vars)
      expect(again.code).toBe(2)
      expect(again.stderr).toContain("already has a container")

      const listed = await hakuriver(["docker", "list-containers", "--json"], vars)
      expect(JSON.parse(listed.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ env })]))

      // A real terminal: the CLI sees a TTY (raw mode), the shell echoes, and `stty size` shows
      // the pty's size forwarded on connect.
      const session = await shellInPty([
        { after: "", type: "echo from-the-pty > /made-in-shell; echo MARK$((1+1))\r" },
        { after: "MARK2", type: "tty; exit 5\r" }
      ])
      expect(session.output).toContain("MARK2")
      expect(session.output).toMatch(/\/dev\/pts\/\d+/)
      expect(session.code).toBe(5)

      // Piped input works too: the shell ends when the input does.
      const piped = await pipedShell("echo piped-$((2+3))\n")
      expect(piped.stdout).toContain("piped-5")
      expect(piped.code).toBe(0)

      const tar = await hakuriver(["docker", "create-tar", env], vars)
      expect(tar.code).toBe(0)
      expect(tar.stdout).toMatch(new RegExp(`^${env}-\\d+\\.tar: `))
      expect(tar.stderr).toMatch(new RegExp(`saved ${env}: [\\d.]+ [kM]?B written`))

      const tars = await hakuriver(["docker", "list-tars", "--json"], vars)
      const info = (
        JSON.parse(tars.stdout) as Array<{ env: string; sizeBytes: number; versions: Array<number> }>
      ).find((t) => t.env === env)
      expect(info?.sizeBytes).toBeGreaterThan(0)
      expect(info?.versions).toHaveLength(1)
      const table = await hakuriver(["docker", "list-tars"], vars)
      expect(table.stdout).toMatch(/ENV\s+NEWEST\s+SIZE\s+VERSIONS/)

      // The runner must load the env from the tarball: drop the image the commit left here.
      await new Docker()
        .getImage(`hakuriver/${env}:base`)
        .remove({ force: true })
        .catch(() => {})
      const task = await hakuriver(
        ["submit", "--container", env, "--wait", "--json", "--", "cat", "/made-in-shell"],
        vars
      )
      expect(task.code).toBe(0)
      const id = (JSON.parse(task.stdout) as { taskIds: Array<string> }).taskIds[0]!
      const logs = await hakuriver(["logs", id], vars)
      expect(logs.stdout).toBe("from-the-pty\n")

      const stopped = await hakuriver(["docker", "stop-container", env], vars)
      expect(stopped.code).toBe(0)
      const refused = await hakuriver(["docker", "shell", env], vars)
      expect(refused.code).toBe(2)
      expect(refused.stderr).toContain("start-container")
      const deleted = await hakuriver(["docker", "delete-container", env], vars)
      expect(deleted.code).toBe(0)
      const kept = await hakuriver(["docker", "list-tars", "--json"], vars)
      expect(kept.stdout).toContain(env)
    },
    240_000
  )
})
