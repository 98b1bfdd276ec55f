/**
 * Spans written to a file, one JSON line each: for finding where a task's time goes on a cluster
 * without an OpenTelemetry collector. A line holds the span's name, its trace, span and parent ids,
 * its start and end in microseconds since the epoch (the clocks of host and runners compare when
 * their machines' clocks do), how it ended, and its attributes:
 *
 * ```json
 * {"name":"Store.transition","trace":"5c0e…","span":"a1f3…","parent":"77b2…","start":1795691837669155,"end":1795691837669358,"exit":"ok","attributes":{"taskId":"…"}}
 * ```
 *
 * Header values and query strings are left out (a token may be in them).
 *
 * The servers of the cluster trace nothing unless given one ({@link serverTracing}); the CLI
 * gives them one when `HAKURIVER_TRACE_FILE` names a file. Lines are appended in batches (at most
 * a quarter of a second late, and all of them when the layer closes), so several processes may
 * share one file.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"

/**
 * The file's tracer.
 * @category tags
 */
export class SpanFile extends Context.Tag("@hakuriver/sdk/SpanFile")<
  SpanFile,
  { readonly file: string; readonly tracer: Tracer.Tracer }
>() {}

/**
 * One line of a span file.
 * @category models
 */
export interface SpanLine {
  readonly name: string
  readonly trace: string
  readonly span: string
  /** The span it ran in (possibly in another process), or null. */
  readonly parent: string | null
  /** Microseconds since the epoch. */
  readonly start: number
  readonly end: number
  readonly exit: "ok" | "error" | "interrupted"
  readonly attributes: Readonly<Record<string, unknown>>
}

/**
 * The spans of a span file, in the order they ended. A last line still being written (the file
 * read while a server appends to it) is left out.
 * @category constructors
 */
export const read = (file: string): ReadonlyArray<SpanLine> => {
  const text = fs.readFileSync(file, "utf8")
  const complete = text.endsWith("\n") ? text : text.slice(0, text.lastIndexOf("\n") + 1)
  return complete
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as SpanLine)
}

/** How often the lines of ended spans are appended; a full batch goes at once. */
const flushEveryMs = 250
const batchLines = 512

const hex = (length: number) => {
  let id = ""
  for (let i = 0; i < length; i++) id += Math.floor(Math.random() * 16).toString(16)
  return id
}

/** Header values and query strings are left out: a token may be in them, and they are most of a line. */
const omitted = (key: string) =>
  key.startsWith("http.request.header.") || key.startsWith("http.response.header.") || key === "url.query"

const micros = (nanos: bigint) => Number(nanos / 1000n)

/** A value as JSON can hold it (a bigint as its digits, anything else as its string). */
const plain = (value: unknown): unknown =>
  typeof value === "bigint"
    ? value.toString()
    : value === null || ["string", "number", "boolean"].includes(typeof value) || Array.isArray(value)
      ? value
      : String(value)

const exitOf = (exit: Exit.Exit<unknown, unknown>): SpanLine["exit"] =>
  Exit.isSuccess(exit) ? "ok" : Exit.isInterrupted(exit) ? "interrupted" : "error"

class FileSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId = hex(16)
  readonly traceId: string
  readonly sampled = true
  status: Tracer.SpanStatus
  readonly attributes = new Map<string, unknown>()
  readonly links: Array<Tracer.SpanLink>

  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Context.Context<never>,
    links: ReadonlyArray<Tracer.SpanLink>,
    readonly startTime: bigint,
    readonly kind: Tracer.SpanKind,
    private readonly write: (line: string) => void
  ) {
    this.status = { _tag: "Started", startTime }
    this.traceId = Option.isSome(parent) ? parent.value.traceId : hex(32)
    this.links = [...links]
  }

  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    this.status = { _tag: "Ended", startTime: this.startTime, endTime, exit }
    const attributes: Record<string, unknown> = {}
    for (const [key, value] of this.attributes) attributes[key] = plain(value)
    const line: SpanLine = {
      name: this.name,
      trace: this.traceId,
      span: this.spanId,
      parent: Option.isSome(this.parent) ? this.parent.value.spanId : null,
      start: micros(this.startTime),
      end: micros(endTime),
      exit: exitOf(exit),
      attributes
    }
    this.write(JSON.stringify(line))
  }

  attribute(key: string, value: unknown): void {
    if (omitted(key)) return
    this.attributes.set(key, key === "url.full" && typeof value === "string" ? value.split("?")[0] : value)
  }

  event(): void {}

  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    this.links.push(...links)
  }
}

/**
 * Appends the spans ended in the scope to `file` (made, with its folder, when missing). A file
 * that cannot be opened fails here; a later write that fails is dropped with its batch, never
 * the traced work.
 * @category constructors
 */
export const make = (file: string): Effect.Effect<SpanFile["Type"], Error, Scope.Scope> =>
  Effect.gen(function* () {
    const fd = yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          fs.mkdirSync(path.dirname(file), { recursive: true })
          return fs.openSync(file, "a", 0o600)
        },
        catch: (e) => new Error(`cannot open the trace file ${file}: ${e instanceof Error ? e.message : e}`)
      }),
      (fd) => Effect.sync(() => fs.closeSync(fd))
    )
    let lines: Array<string> = []
    const flush = () => {
      if (lines.length === 0) return
      const text = `${lines.join("\n")}\n`
      lines = []
      try {
        fs.writeSync(fd, text)
      } catch {
        // a full disk loses spans, not work
      }
    }
    const timer = setInterval(flush, flushEveryMs).unref()
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        clearInterval(timer)
        flush()
      })
    )
    const write = (line: string) => {
      lines.push(line)
      if (lines.length >= batchLines) flush()
    }
    const tracer = Tracer.make({
      span: (name, parent, context, links, startTime, kind) =>
        new FileSpan(name, parent, context, links, startTime, kind, write),
      context: (f) => f()
    })
    return { file, tracer }
  })

/**
 * The tracer writing to `file`, for {@link serverTracing} to find.
 * @category layers
 */
export const layer = (file: string): Layer.Layer<SpanFile, Error> => Layer.scoped(SpanFile, make(file))
