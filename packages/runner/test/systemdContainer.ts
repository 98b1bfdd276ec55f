/**
 * The booted systemd container of the systemd tests: the `hakuriver-test/systemd` image started
 * with `/sbin/init` (not `--privileged`, which fails on these machines), with the node binary,
 * the project (read-only) and a writable shared dir bind-mounted at their own paths.
 */
import { execFile, execFileSync } from "node:child_process"
import * as path from "node:path"
import { Context, Data, Duration, Effect, Layer, Schedule } from "effect"
import { scopedTempDir } from "../../../test/kit/index.js"

/** The test image, built by `scripts/images/systemd.sh`. */
export const systemdImage = "hakuriver-test/systemd:latest"

/** The repository root (packages/runner/test → ../../..). */
export const projectRoot = path.resolve(import.meta.dirname, "..", "..", "..")

/**
 * Why the systemd tests cannot run here, or `undefined` when they can: Docker must answer and the
 * image must exist. In CI (`CI=true`) a reason fails the tests instead of skipping them.
 */
export const missingPrerequisite = (): string | undefined => {
  try {
    execFileSync("docker", ["info"], { stdio: "ignore", timeout: 20_000 })
  } catch {
    return "no Docker engine answers (run scripts/test-env.sh)"
  }
  try {
    execFileSync("docker", ["image", "inspect", systemdImage], { stdio: "ignore", timeout: 20_000 })
  } catch {
    return `the image ${systemdImage} is missing (run scripts/images/systemd.sh)`
  }
  return undefined
}

/** A docker command that failed. */
export class DockerCommandError extends Data.TaggedError("DockerCommandError")<{
  readonly argv: ReadonlyArray<string>
  readonly detail: string
}> {
  override get message(): string {
    return `docker ${this.argv.join(" ")}: ${this.detail}`
  }
}

/** Runs `docker ARGS…` and gives its stdout. */
export const docker = (args: ReadonlyArray<string>, timeoutMs = 60_000) =>
  Effect.async<string, DockerCommandError>((resume) => {
    const child = execFile(
      "docker",
      args,
      { timeout: timeoutMs, encoding: "utf8" },
      (error, stdout, stderr) =>
        resume(
          error === null
            ? Effect.succeed(stdout)
            : Effect.fail(new DockerCommandError({ argv: args, detail: `${error.message}\n${stderr}` }))
        )
    )
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** A running systemd container. */
export class SystemdContainer extends Context.Tag("test/SystemdContainer")<
  SystemdContainer,
  {
    readonly name: string
    /** A writable dir at the same path inside and outside the container. */
    readonly sharedDir: string
    /** `docker exec NAME ARGS…` and its stdout. */
    readonly exec: (args: ReadonlyArray<string>) => Effect.Effect<string, DockerCommandError>
  }
>() {}

const boot = Effect.gen(function* () {
  const sharedDir = yield* scopedTempDir("systemd-test")
  const name = `hakuriver-systemd-test-${process.pid}-${Date.now().toString(36)}`
  yield* Effect.acquireRelease(
    docker([
      "run",
      "-d",
      "--name",
      name,
      "--cap-add",
      "SYS_ADMIN",
      "--security-opt",
      "seccomp=unconfined",
      "--cgroupns=host",
      "-v",
      "/sys/fs/cgroup:/sys/fs/cgroup:rw",
      "--tmpfs",
      "/run",
      "--tmpfs",
      "/run/lock",
      "--network",
      "host",
      "-v",
      `${process.execPath}:/usr/local/bin/node:ro`,
      "-v",
      `${projectRoot}:${projectRoot}:ro`,
      "-v",
      `${sharedDir}:${sharedDir}:rw`,
      systemdImage,
      "/sbin/init"
    ]),
    () => docker(["rm", "-f", "-v", name]).pipe(Effect.ignore)
  )
  const exec = (args: ReadonlyArray<string>) => docker(["exec", name, ...args])
  // Wait for the boot to finish: `running`, or `degraded` when some unit failed.
  yield* exec(["systemctl", "is-system-running"]).pipe(
    Effect.catchAll((e) => Effect.succeed(e.detail)),
    Effect.map((out) => out.trim()),
    Effect.repeat({
      until: (state) => /^(running|degraded)\b/m.test(state),
      schedule: Schedule.spaced("250 millis").pipe(Schedule.upTo(Duration.seconds(60)))
    })
  )
  const state = (yield* exec(["systemctl", "is-system-running"]).pipe(
    Effect.catchAll((e) => Effect.succeed(e.detail))
  )).trim()
  if (!/^(running|degraded)\b/m.test(state)) {
    return yield* new DockerCommandError({
      argv: ["systemctl", "is-system-running"],
      detail: `systemd did not boot: ${state}`
    })
  }
  return { name, sharedDir, exec }
})

/** The container as a layer: booted once for a test file, removed at the end. */
export const SystemdContainerLive = Layer.scoped(SystemdContainer, boot)
