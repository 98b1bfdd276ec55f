/**
 * Small JSON state files of the runner (Nomad's `client/state` idea): written so that a crash
 * never leaves half a file, and decoded with a schema when read.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

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

/** Slack kept as trailing blanks before a file is rewritten smaller (one disk block). */
const slack = 4096

/**
 * Overwrites an existing file in place with ONE write of `text` padded with blanks to the old
 * size (JSON ignores them), never truncating: a process killed at any point leaves either the
 * old or the new text. Truncating or replacing a file makes ext4 flush it at once (its
 * `auto_da_alloc` safety), ≈3 ms per write on a VM disk and seven writes per task; this costs
 * a page-cache copy. False when the file is missing or would shrink by more than `slack`.
 */
const overwriteInPlace = (file: string, text: string): boolean => {
  let fd: number
  try {
    fd = fs.openSync(file, "r+")
  } catch {
    return false
  }
  try {
    const size = fs.fstatSync(fd).size
    const bytes = Buffer.byteLength(text)
    if (size - bytes > slack) return false
    const buffer = Buffer.alloc(Math.max(size, bytes), " ")
    buffer.write(text)
    return fs.writeSync(fd, buffer, 0, buffer.length, 0) === buffer.length
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * An item of a list state file together with its JSON, encoded once when the item is made: a
 * file rewritten at every change then costs a string join, not a schema encoding of every item
 * it holds (each active task, each waiting report).
 * @category models
 */
export interface Encoded<A> {
  readonly value: A
  readonly json: string
}

/**
 * The encoder of the items of a list state file.
 * @category persistence
 */
export const itemEncoder = <A, I>(schema: Schema.Schema<A, I>): ((value: A) => Encoded<A>) => {
  const encode = Schema.encodeSync(schema)
  return (value) => ({ value, json: JSON.stringify(encode(value)) })
}

/**
 * Writes a list state file, `[item, …]`, atomically. A failure to write is logged, not fatal:
 * the runner keeps working, only a restart would lose the newest state.
 * @category persistence
 */
export const writeJsonList = (file: string, items: Iterable<Encoded<unknown>>): Effect.Effect<void> =>
  Effect.sync(() => {
    const text = `[${Array.from(items, (item) => item.json).join(",")}]`
    if (overwriteInPlace(file, text)) return
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const tmp = `${file}.${process.pid}.tmp`
    fs.writeFileSync(tmp, text)
    fs.renameSync(tmp, file)
  }).pipe(
    Effect.catchAllDefect((defect) => Effect.logWarning(`cannot write state file ${file}: ${String(defect)}`))
  )
