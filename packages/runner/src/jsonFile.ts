/**
 * Small JSON state files of the runner (Nomad's `client/state` idea): written atomically (temp
 * file + rename) so a crash never leaves half a file, and decoded with a schema when read.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Option, Schema } from "effect"

/**
 * Reads and decodes a state file; a missing or unreadable file is `None` (logged when it exists
 * but does not decode).
 * @category persistence
 */
export const readJsonFile = <A, I>(
  file: string,
  schema: Schema.Schema<A, I>
): Effect.Effect<Option.Option<A>> =>
  Effect.gen(function* () {
    let text: string
    try {
      text = fs.readFileSync(file, "utf8")
    } catch {
      return Option.none()
    }
    const decoded = Schema.decodeUnknownOption(Schema.parseJson(schema))(text)
    if (Option.isNone(decoded)) yield* Effect.logWarning(`ignoring unreadable state file ${file}`)
    return decoded
  })

/**
 * Encodes and writes a state file atomically. A failure to write is logged, not fatal: the runner
 * keeps working, only a restart would lose the newest state.
 * @category persistence
 */
export const writeJsonFile = <A, I>(
  file: string,
  schema: Schema.Schema<A, I>,
  value: A
): Effect.Effect<void> =>
  Effect.sync(() => {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const tmp = `${file}.${process.pid}.tmp`
    fs.writeFileSync(tmp, Schema.encodeSync(Schema.parseJson(schema))(value))
    fs.renameSync(tmp, file)
  }).pipe(
    Effect.catchAllDefect((defect) => Effect.logWarning(`cannot write state file ${file}: ${String(defect)}`))
  )
