/**
 * `npm run demo`: the one-machine cluster in action. Starts `hakuriver up` in this process (a
 * host and a local runner in a temp data dir), expands a sweep over 3 values, submits the 3
 * tasks together, waits for them with a progress line, prints each task's output and stops.
 * Tasks run in Docker when an engine answers and the default environment is packaged, else
 * without Docker (`--container NULL`: systemd or a plain process).
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { connect, defaultConfig, DockerEnvs, Sweep, type Task } from "@hakuriver/sdk"
import { Effect, Either } from "effect"
import { start } from "../packages/cli/src/embedded/EmbeddedCluster.js"

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hakuriver-demo-"))
const say = (line: string) => console.log(line)

/** A base image for the default environment that is already in the local Docker image store. */
const localBaseImage = (): string | undefined =>
  [
    defaultConfig.docker.initial_base_image,
    "hakuriver-test/busybox:latest",
    "busybox:latest",
    "alpine:latest"
  ].find((image) => {
    try {
      execFileSync("docker", ["image", "inspect", image], { stdio: "ignore", timeout: 10_000 })
      return true
    } catch {
      return false
    }
  })

const image = localBaseImage()
const base =
  image === undefined
    ? defaultConfig
    : { ...defaultConfig, docker: { ...defaultConfig.docker, initial_base_image: image } }
say(`HakuRiver demo: a host and a local runner in one process (data dir ${dataDir})`)
const cluster = await start({ base, dataDir, port: 0, quiet: true })
try {
  const { node } = cluster
  say(
    `host at ${cluster.url}; runner ${node.name}: ${node.cores} cores, executors: ${node.executors.join(", ")}`
  )
  const client = connect({ url: cluster.url, token: cluster.config.security.token })

  // Docker when the engine answers and the default environment has a tarball; else no Docker.
  const defaultEnv = cluster.config.docker.default_container_name
  const hasTarball = () =>
    client
      .run((c) => Effect.either(DockerEnvs.listTars(c.api)))
      .then((r) => Either.isRight(r) && r.right.some((t) => t.env === defaultEnv))
  let packaged = false
  if (node.executors.includes("docker") && image !== undefined) {
    say(`Docker answers: packaging the default environment "${defaultEnv}" from ${image} (once)`)
    const until = Date.now() + 120_000
    for (;;) {
      packaged = await hasTarball()
      if (packaged || Date.now() > until) break
      await new Promise((r) => setTimeout(r, 500))
    }
  }
  const container = packaged ? defaultEnv : "NULL"
  say(
    packaged
      ? `Docker answers: tasks run in containers of the environment "${defaultEnv}"`
      : node.executors.includes("docker")
        ? `Docker answers but "${defaultEnv}" is not packaged yet (see: hakuriver docker create-tar); tasks run with --container NULL`
        : "no Docker engine here: tasks run with --container NULL (systemd, else a plain process)"
  )

  // The sweep, expanded the way hakurun does: span:{1..3} gives 3 commands.
  const template = ["sh", "-c", 'echo "x=$1: x*x=$(($1 * $1)) on $(hostname)"', "square", "span:{1..3}"]
  const sweep = Either.getOrThrow(Sweep.parseSweep(template))
  const commands = [...Sweep.combinations(sweep)]
  say(
    `submitting ${commands.length} tasks: ${template.map((a) => (a.includes(" ") ? JSON.stringify(a) : a)).join(" ")}`
  )
  const { batchId, taskIds: ids } = await client.submitBatch(
    commands.map((command) => ({ command, container, cores: 0.5 }))
  )
  say(`batch ${batchId}: tasks ${ids.join(", ")}`)

  const tasks: ReadonlyArray<Task> = await client.wait(ids, {
    onUpdate: (ts) => {
      const done = ts.filter((t) =>
        ["completed", "failed", "killed", "killed_oom", "lost"].includes(t.status)
      ).length
      say(`  ${done}/${ids.length} done (${ts.map((t) => t.status).join(", ")})`)
    }
  })
  for (const task of tasks) {
    const out = (await client.logs(task.taskId)).trimEnd()
    const err = (await client.logs(task.taskId, { stream: "stderr" })).trimEnd()
    say(
      `task ${task.taskId} [${task.status}, exit ${task.exitCode ?? "-"}] ${task.command.at(-1)}: ${out}${err === "" ? "" : ` (stderr: ${err})`}`
    )
  }
  const ok = tasks.every((t) => t.status === "completed")
  say(
    ok
      ? "all tasks completed. Try it yourself: npx hakuriver up (after npm run build), then hakuriver submit --wait -- echo hi"
      : "some tasks did not complete"
  )
  process.exitCode = ok ? 0 : 1
} finally {
  await cluster.stop()
  fs.rmSync(dataDir, { recursive: true, force: true })
  say("stopped")
}
