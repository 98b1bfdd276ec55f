/**
 * Starts the real runner (`fixtures/runner-main.ts`) inside the systemd container, configured to
 * run everything with the systemd executor and to report to a host on the test's loopback.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import * as readline from "node:readline"
import type { HakuRiverConfig } from "@hakuriver/sdk"
import { Deferred, Effect } from "effect"
import { docker, projectRoot } from "./systemdContainer.js"

/**
 * Runs the runner in `container` with `config` (written next to the shared dir, whose path is
 * the same inside and outside) until the scope closes; gives its pid inside the container and
 * what it printed so far.
 */
export const startRunnerInContainer = (container: string, config: HakuRiverConfig, configFile: string) =>
  Effect.gen(function* () {
    fs.mkdirSync(path.dirname(configFile), { recursive: true })
    fs.writeFileSync(configFile, JSON.stringify(config))
    const pid = yield* Deferred.make<string>()
    const output: Array<string> = []
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        // `sh` prints its pid, then becomes the runner (exec), so the pid is the runner's.
        const child = spawn(
          "docker",
          [
            "exec",
            "-w",
            projectRoot,
            container,
            "sh",
            "-c",
            'echo "pid=$$"; exec node --import tsx packages/runner/test/fixtures/runner-main.ts "$0"',
            configFile
          ],
          { stdio: ["ignore", "pipe", "pipe"] }
        )
        readline.createInterface({ input: child.stdout }).on("line", (line) => {
          const m = /^pid=(\d+)$/.exec(line)
          if (m?.[1] !== undefined) Deferred.unsafeDone(pid, Effect.succeed(m[1]))
          else output.push(line)
        })
        child.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")))
        return child
      }),
      (child) =>
        Deferred.poll(pid).pipe(
          Effect.flatMap((p) =>
            p._tag === "Some"
              ? Effect.flatMap(p.value, (id) => docker(["exec", container, "kill", "-TERM", id]))
              : Effect.void
          ),
          Effect.ignore,
          Effect.zipRight(Effect.sync(() => child.kill("SIGKILL")))
        )
    )
    return { pid: yield* Deferred.await(pid), output }
  })
