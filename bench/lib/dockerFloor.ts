/**
 * The Docker floor: a raw dockerode create+start+wait+remove of the same image with the same
 * create options our executor uses (they come from the same pure `containerSpec`).
 */
import { execFileSync } from "node:child_process"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import Docker from "dockerode"
import { containerSpec } from "../../packages/core/src/executor/docker/containerSpec.js"
import type { EnvName } from "@hakuriver/sdk"
import { makeTask } from "../../test/kit/index.js"

const docker = new Docker()
export const benchEnv = "bench" as EnvName
const testImage = "hakuriver-test/busybox:latest"

/** Whether an engine answers and the test image exists (scripts/test-env.sh builds it). */
export const dockerReady = async (): Promise<boolean> => {
  try {
    await docker.ping()
    await docker.getImage(testImage).inspect()
    return true
  } catch {
    return false
  }
}

/** Makes the `bench` env: image `hakuriver/bench:base` and its tarball in the shared dir. */
export const prepareBenchEnv = (sharedDir: string): void => {
  execFileSync("docker", ["tag", testImage, `hakuriver/${benchEnv}:base`])
  const dir = join(sharedDir, "hakuriver-containers")
  mkdirSync(dir, { recursive: true })
  const ts = Math.floor(Date.now() / 1000)
  execFileSync("docker", ["save", "-o", join(dir, `${benchEnv}-${ts}.tar`), `hakuriver/${benchEnv}:base`])
}

const task = (i: number, command: ReadonlyArray<string>, shared: string) =>
  makeTask(command, {
    taskId: `9${String(Date.now()).slice(-9)}${i}`,
    node: null,
    container: benchEnv,
    stdoutPath: join(shared, "task_outputs", "floor.out"),
    stderrPath: join(shared, "task_outputs", "floor.err")
  })

/** One create+start+wait+remove with our options; resolves with its milliseconds. */
export const dockerOnce = async (
  i: number,
  command: ReadonlyArray<string>,
  dataDir: string
): Promise<number> => {
  const shared = join(dataDir, "shared")
  const temp = join(dataDir, "temp")
  mkdirSync(temp, { recursive: true })
  const options = containerSpec(
    {
      task: task(i, command, shared),
      logs: { stdout: "", stderr: "" },
      sharedDir: shared,
      localTempDir: temp
    },
    benchEnv,
    { network: "host", additionalMounts: [] }
  )
  const t0 = performance.now()
  const container = await docker.createContainer({ ...options, name: `hakuriver-floor-${process.pid}-${i}` })
  await container.start()
  await container.wait()
  await container.remove({ force: true })
  return performance.now() - t0
}

/**
 * Resolves once the container of task `taskId` is gone (the runner removes it after it reported
 * the task's end), looked up by the label every task container carries. Polled: the engine's
 * `wait` for removal hung now and then on a container removed while it was asked.
 */
export const containerGone = async (taskId: string): Promise<void> => {
  const filters = JSON.stringify({ label: [`hakuriver.task_id=${taskId}`] })
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    if ((await docker.listContainers({ all: true, filters })).length === 0) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`the container of task ${taskId} was not removed within 10 s`)
}
