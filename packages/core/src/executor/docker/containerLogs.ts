/**
 * Follows a container's stdout and stderr into the task's log files. Docker keeps the whole log
 * (json-file driver), so a runner that re-attaches after a restart asks for what came after the
 * files' last write and appends it.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import type { ExecRequest } from "../Executor.js"
import type { DockerEngine } from "./DockerEngine.js"
import { frameDecoder, splitTimestamp } from "./logFrames.js"
import { forEachChunk } from "./readableChunks.js"

/**
 * Messages at or before these times (nanoseconds since the epoch) are already in the files.
 * @category models
 */
export interface LogCutoff {
  readonly stdout: bigint
  readonly stderr: bigint
}

const mtimeNanos = (file: string): Promise<bigint> =>
  fs.stat(file, { bigint: true }).then(
    (s) => s.mtimeNs,
    () => 0n
  )

/**
 * The cutoff of log files written before: their modification times (0 for a missing file).
 * Coarse file-system clocks may make the last message of a file appear again; none is lost.
 * @category constructors
 */
export const cutoffOf = (logs: ExecRequest["logs"]): Effect.Effect<LogCutoff> =>
  Effect.promise(async () => ({
    stdout: await mtimeNanos(logs.stdout),
    stderr: await mtimeNanos(logs.stderr)
  }))

const openAppend = async (logs: ExecRequest["logs"]) => {
  await fs.mkdir(path.dirname(logs.stdout), { recursive: true })
  await fs.mkdir(path.dirname(logs.stderr), { recursive: true })
  const out = await fs.open(logs.stdout, "a")
  const err = logs.stderr === logs.stdout ? out : await fs.open(logs.stderr, "a")
  return { out, err }
}

/**
 * Streams the logs of container `id` into the files until the container stops. Fails only when
 * the files cannot be written or the engine refuses the log stream.
 * @category constructors
 */
export const follow = (
  engine: DockerEngine,
  id: string,
  logs: ExecRequest["logs"],
  cutoff?: LogCutoff
): Effect.Effect<void, Error> =>
  Effect.acquireUseRelease(
    Effect.tryPromise({ try: () => openAppend(logs), catch: (e) => e as Error }),
    (files) =>
      Effect.gen(function* () {
        const since =
          cutoff === undefined
            ? 0
            : Math.min(Number(cutoff.stdout / 1_000_000_000n), Number(cutoff.stderr / 1_000_000_000n))
        const source = yield* engine.call(`logs of ${id}`, (d) =>
          d.getContainer(id).logs({ follow: true, stdout: true, stderr: true, timestamps: true, since })
        )
        const decoder = frameDecoder()
        yield* forEachChunk(
          source,
          async (chunk) => {
            for (const frame of decoder.push(chunk)) {
              const { nanos, message } = splitTimestamp(frame.payload)
              const toErr = frame.stream === 2
              const limit = cutoff === undefined ? undefined : toErr ? cutoff.stderr : cutoff.stdout
              if (limit !== undefined && nanos !== undefined && nanos <= limit) continue
              await (toErr ? files.err : files.out).write(message)
            }
          },
          (e) => (e instanceof Error ? e : new Error(String(e)))
        )
      }),
    (files) =>
      Effect.promise(async () => {
        await files.out.close().catch(() => undefined)
        if (files.err !== files.out) await files.err.close().catch(() => undefined)
      })
  ).pipe(Effect.withSpan("DockerExecutor.logs", { attributes: { container: id } }))
