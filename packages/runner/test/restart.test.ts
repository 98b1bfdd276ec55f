/**
 * Runner restarts: the runner runs as a child process, is killed with SIGKILL while a task runs,
 * and is started again on the same state folder. The restarted runner re-attaches to what
 * survived and the host records the task's real outcome: the exit code of a Docker task, `lost`
 * for a plain process (whose exit status died with its parent). A task never stays `running`.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { type TaskId, TaskSpec } from "@hakuriver/sdk"
import { Effect, Schema } from "effect"
import { configOf, hostClient, startHost, tempDir, waitFinal } from "./cluster.js"

const runnerMain = fileURLToPath(new URL("./fixtures/runner-main.ts", import.meta.url))
const root = fileURLToPath(new URL("../../../", import.meta.url))

const logOf = (configFile: string) => configFile.replace(/\.json$/, ".log")

/** Starts a runner child process; SIGKILLed when the scope closes if still alive. */
const runnerProcess = (configFile: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      // The runner's log goes next to its config, for a look when a test fails.
      const log = fs.openSync(logOf(configFile), "a")
      const child = spawn(process.execPath, ["--import", "tsx", runnerMain, configFile], {
        cwd: root,
        stdio: ["ignore", log, log]
      })
      fs.closeSync(log)
      return child
    }),
    (child) =>
      Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
  )

const sigkill = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
    child.kill("SIGKILL")
  })

const patientTiming = { heartbeat_interval: 0.5, heartbeat_timeout_factor: 240, cleanup_check_interval: 1 }

const uniqueName = (prefix: string) => `${prefix}-${Date.now()}${Math.floor(Math.random() * 1000)}`

/** Writes the runner's config file (the whole config as JSON, `fromObject` input). */
const writeRunnerConfig = (dir: string, hostPort: number, name: string, executor: string) => {
  const file = path.join(dir, `${name}.json`)
  const config = configOf(
    dir,
    { host_port: hostPort, runner_name: name },
    { runner: { executor }, timing: patientTiming }
  )
  fs.writeFileSync(
    file,
    JSON.stringify({
      ...config,
      database: { db_file: config.database.db_file },
      runner: { ...config.runner, max_memory: 0 }
    })
  )
  return file
}

/**
 * Runs a task that waits for the file `SHARED/go`, SIGKILLs its runner, restarts it, and once the
 * restarted runner has registered (new URL) lets the task end; returns the host's final record.
 */
const restartScenario = (options: {
  readonly executor: "process" | "docker"
  readonly container: string
  readonly command: (goFile: string) => ReadonlyArray<string>
}) =>
  Effect.gen(function* () {
    const dir = yield* tempDir
    // A slow restart (tsx compiling under load) must not make the host give the node up.
    const port = yield* startHost(dir, 0, { timing: patientTiming })
    const client = yield* hostClient(port)
    const name = uniqueName("rr")
    // Whatever happens, no task outlives the test: containers of this node are removed.
    if (options.executor === "docker")
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          const ids = spawnSync("docker", ["ps", "-aq", "--filter", `label=hakuriver.node=${name}`], {
            encoding: "utf8"
          }).stdout.split("\n")
          for (const id of ids.filter((i) => i !== "")) spawnSync("docker", ["rm", "-f", id])
        })
      )
    const configFile = writeRunnerConfig(dir, port, name, options.executor)
    const first = yield* runnerProcess(configFile)
    const online = Effect.gen(function* () {
      const deadline = Date.now() + 30_000
      while (!(yield* client.cluster.nodes()).some((n) => n.name === name && n.status === "online")) {
        if (Date.now() > deadline) return yield* Effect.fail(new Error("runner did not register"))
        yield* Effect.sleep("100 millis")
      }
    })
    yield* online
    const submitted = yield* client.tasks.submit({
      payload: Schema.decodeUnknownSync(TaskSpec)({
        command: options.command(path.join(dir, "shared", "go")),
        targets: [name],
        container: options.container
      })
    })
    const id: TaskId = submitted.taskIds[0]!
    // Running for the host is not enough: wait until the task has really started (it prints).
    const task = yield* client.tasks.get({ path: { id } })
    const started = Date.now() + 60_000
    while (
      !(fs.existsSync(task.stdoutPath) && fs.readFileSync(task.stdoutPath, "utf8").includes("started"))
    ) {
      if (Date.now() > started) return yield* Effect.fail(new Error("the task did not start"))
      yield* Effect.sleep("50 millis")
    }
    const urlBefore = (yield* client.cluster.nodes()).find((n) => n.name === name)?.url
    yield* sigkill(first)
    yield* runnerProcess(configFile)
    const deadline = Date.now() + 60_000
    while ((yield* client.cluster.nodes()).find((n) => n.name === name)?.url === urlBefore) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error("the runner did not come back"))
      yield* Effect.sleep("100 millis")
    }
    expect((yield* client.tasks.get({ path: { id } })).status).toBe("running")
    fs.writeFileSync(path.join(dir, "shared", "go"), "")
    const [final] = yield* waitFinal(client, [id])
    return final!
  })

describe("runner restart", () => {
  it.scopedLive(
    "process executor: a task that outlived its runner is found again and reported lost when it ends",
    () =>
      Effect.gen(function* () {
        const task = yield* restartScenario({
          executor: "process",
          container: "NULL",
          command: (go) => [
            process.execPath,
            "-e",
            // Ends on the go file, or when the test's folder is gone (a failed test leaves nothing).
            "const fs = require('fs'), path = require('path'); console.log('started'); setInterval(() => { if (fs.existsSync(process.argv[1])) process.exit(3); if (!fs.existsSync(path.dirname(process.argv[1]))) process.exit(9) }, 100)",
            go
          ]
        })
        expect(task.status).toBe("lost")
        expect(task.error).toContain("exit status is unknown")
      }),
    90_000
  )

  const dockerAnswers = spawnSync("docker", ["info"], { stdio: "ignore", timeout: 20_000 }).status === 0
  const ci = process.env["CI"] === "true"
  const dockerIt = dockerAnswers || ci ? it.scopedLive : it.scopedLive.skip

  dockerIt(
    "Docker executor: SIGKILL while a container runs, restart → the host records the real exit code",
    () =>
      Effect.gen(function* () {
        expect(dockerAnswers).toBe(true)
        const env = uniqueName("t-restart")
        const image = `hakuriver/${env}:base`
        const busybox = "hakuriver-test/busybox:latest"
        if (spawnSync("docker", ["image", "inspect", busybox], { stdio: "ignore" }).status !== 0)
          spawnSync("bash", [path.join(root, "scripts/images/busybox.sh"), busybox], { stdio: "inherit" })
        const tagged = spawnSync("docker", ["tag", busybox, image], { encoding: "utf8" })
        expect(tagged.status, tagged.stderr).toBe(0)
        yield* Effect.addFinalizer(() => Effect.sync(() => spawnSync("docker", ["rmi", "-f", image])))
        const task = yield* restartScenario({
          executor: "docker",
          container: env,
          command: () => [
            "sh",
            "-c",
            "echo started; while [ ! -f /shared/go ]; do sleep 0.2; done; echo done; exit 7"
          ]
        })
        expect(task, task.error ?? "").toMatchObject({ status: "failed", exitCode: 7 })
        expect(fs.readFileSync(task.stdoutPath, "utf8")).toContain("done")
      }),
    120_000
  )
})
