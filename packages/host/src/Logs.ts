/**
 * Task logs from the shared folder: the whole stream, its last lines, or the bytes after an
 * offset (waiting a while for more while the task runs). `done` is true once the task is final
 * and everything was read.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { isFinal, LogChunk, type LogQuery, NotFound, type Task, type TaskId } from "@hakuriver/sdk"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import { Store } from "./Store.js"
import { TaskEvents } from "./TaskEvents.js"

/** The most bytes one answer carries; a follower asks again from the new offset. */
const maxChunk = 1024 * 1024
/** How often a follower looks at the file while it waits (the runner writes it; no event tells us). */
const fileCheck = Duration.millis(200)

/**
 * The length of the prefix of `bytes` that ends on a whole UTF-8 character.
 * @category encoding
 */
export const completeUtf8Length = (bytes: Uint8Array): number => {
  let i = bytes.length - 1
  let continuation = 0
  while (i >= 0 && continuation < 4 && ((bytes[i] ?? 0) & 0xc0) === 0x80) {
    i--
    continuation++
  }
  if (i < 0) return bytes.length
  const lead = bytes[i] ?? 0
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1
  return need > continuation + 1 ? i : bytes.length
}

/**
 * The log service.
 * @category services
 */
export class Logs extends Context.Tag("@hakuriver/host/Logs")<
  Logs,
  { readonly read: (id: TaskId, query: typeof LogQuery.Type) => Effect.Effect<LogChunk, NotFound> }
>() {}

const make = Effect.gen(function* () {
  const store = yield* Store
  const events = yield* TaskEvents
  const fs = yield* FileSystem.FileSystem
  const decoder = new TextDecoder()

  const getTask = (id: TaskId) =>
    Effect.flatMap(store.getTask(id), (o) =>
      Option.isNone(o)
        ? Effect.fail(new NotFound({ message: `task ${id} not found` }))
        : Effect.succeed(o.value)
    )

  const sizeOf = (file: string) =>
    fs.stat(file).pipe(
      Effect.map((info) => Number(info.size)),
      Effect.orElseSucceed(() => 0)
    )

  /** Bytes `[from, to)` of a file (missing file: none). */
  const bytes = (file: string, from: number, to: number) =>
    to <= from
      ? Effect.succeed(new Uint8Array())
      : Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* fs.open(file, { flag: "r" })
            yield* handle.seek(from, "start")
            const got = yield* handle.readAlloc(to - from)
            return Option.getOrElse(got, () => new Uint8Array())
          })
        ).pipe(Effect.orElseSucceed(() => new Uint8Array()))

  /** A chunk from `offset`, or none when nothing new is there yet and the task still runs. */
  const chunkAt = (task: Task, file: string, offset: number, limit = maxChunk) =>
    Effect.gen(function* () {
      const final = isFinal(task.status)
      const size = yield* sizeOf(file)
      const end = Math.min(size, offset + limit)
      const raw = yield* bytes(file, offset, end)
      const whole = final && offset + raw.length >= size ? raw.length : completeUtf8Length(raw)
      const next = offset + whole
      if (whole === 0 && !final) return Option.none<LogChunk>()
      return Option.some(
        new LogChunk({
          data: decoder.decode(raw.subarray(0, whole)),
          offset: next,
          done: final && next >= size
        })
      )
    })

  const follow = (id: TaskId, stream: "stdout" | "stderr", offset: number, waitMs: number) =>
    Effect.scoped(
      Effect.gen(function* () {
        const sub = yield* events.watch([id])
        const attempt = Effect.flatMap(getTask(id), (task) =>
          chunkAt(task, stream === "stdout" ? task.stdoutPath : task.stderrPath, offset)
        )
        const first = yield* attempt
        if (Option.isSome(first) || waitMs <= 0) {
          return Option.getOrElse(first, () => new LogChunk({ data: "", offset, done: false }))
        }
        // wake on the file growing (checked every fileCheck) or the task changing status
        const statusChange = Effect.asVoid(Queue.take(sub))
        const loop: Effect.Effect<LogChunk, NotFound> = Effect.gen(function* () {
          for (;;) {
            yield* Effect.race(Effect.sleep(fileCheck), statusChange)
            const got = yield* attempt
            if (Option.isSome(got)) return got.value
          }
        })
        return yield* loop.pipe(
          Effect.timeout(Duration.millis(waitMs)),
          Effect.catchTag("TimeoutException", () =>
            Effect.succeed(new LogChunk({ data: "", offset, done: false }))
          )
        )
      })
    )

  const read = Effect.fn("Logs.read")(function* (id: TaskId, query: typeof LogQuery.Type) {
    const task = yield* getTask(id)
    const file = query.stream === "stdout" ? task.stdoutPath : task.stderrPath
    if (query.offset !== undefined) return yield* follow(id, query.stream, query.offset, query.waitMs ?? 0)
    const size = yield* sizeOf(file)
    if (query.tail !== undefined) {
      const from = Math.max(0, size - 16 * maxChunk)
      const text = decoder.decode(yield* bytes(file, from, size))
      const lines = text.split("\n")
      if (lines[lines.length - 1] === "") lines.pop()
      const tail = query.tail === 0 ? [] : lines.slice(-query.tail)
      const data = tail.length === 0 ? "" : `${tail.join("\n")}${text.endsWith("\n") ? "\n" : ""}`
      return new LogChunk({ data, offset: size, done: isFinal(task.status) })
    }
    // the whole log, up to 16 MiB per answer (the rest follows from `offset`)
    const chunk = yield* chunkAt(task, file, 0, 16 * maxChunk)
    return Option.getOrElse(chunk, () => new LogChunk({ data: "", offset: 0, done: false }))
  })

  return Logs.of({ read })
})

/** @category layers */
export const layer: Layer.Layer<Logs, never, Store | TaskEvents | FileSystem.FileSystem> = Layer.effect(
  Logs,
  make
)
