import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { SpanFile, serverTracing, untraced } from "@hakuriver/sdk"
import { Effect, Exit, Fiber, Layer, Option, Ref, Scope } from "effect"

/** A layer whose fiber, forked while it is built, reports the real span it runs in (a span of a
 * disabled tracer is a "noop" one). */
const spanSeen = (seen: Ref.Ref<Option.Option<string>>) =>
  Layer.scopedDiscard(
    Effect.forkScoped(
      Effect.withSpan(
        Effect.flatMap(Effect.option(Effect.currentSpan), (span) =>
          Ref.set(
            seen,
            Option.flatMap(span, (s) => (s.spanId === "noop" ? Option.none() : Option.some(s.name)))
          )
        ),
        "work"
      )
    ).pipe(Effect.flatMap(Fiber.join))
  )

/** A layer that runs a step inside a request-like span, and a step that fails. */
const steps = Layer.scopedDiscard(
  Effect.forkScoped(
    Effect.gen(function* () {
      yield* Effect.annotateCurrentSpan({
        taskId: "t1",
        "url.full": "http://host/tasks?token=secret",
        "http.request.header.authorization": "Bearer secret"
      })
      yield* Effect.sleep("2 millis").pipe(Effect.withSpan("inner", { attributes: { n: 1n } }))
      yield* Effect.ignore(Effect.fail("no").pipe(Effect.withSpan("failing")))
    }).pipe(Effect.withSpan("outer"))
  ).pipe(Effect.flatMap(Fiber.join))
)

const tempFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hr-spans-")), "deep", "spans.jsonl")

describe("serverTracing", () => {
  it.scoped("a layer built untraced (and what it forks) makes no spans; built as is, it does", () =>
    Effect.gen(function* () {
      const traced = yield* Ref.make(Option.none<string>())
      yield* Layer.build(spanSeen(traced))
      expect(yield* Ref.get(traced)).toEqual(Option.some("work"))

      const quiet = yield* Ref.make(Option.none<string>())
      yield* Layer.build(untraced(spanSeen(quiet)))
      expect(yield* Ref.get(quiet)).toEqual(Option.none())

      const server = yield* Ref.make(Option.none<string>())
      yield* Layer.build(serverTracing(spanSeen(server)))
      expect(yield* Ref.get(server)).toEqual(Option.none())
    })
  )

  it.live("with a span file, a server's spans are written to it, one JSON line each, by the close", () =>
    Effect.gen(function* () {
      const file = tempFile()
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(Layer.provide(serverTracing(steps), SpanFile.layer(file)), scope)
      yield* Scope.close(scope, Exit.void)
      const lines = SpanFile.read(file)
      const byName = new Map(lines.map((l) => [l.name, l]))
      const outer = byName.get("outer")!
      const inner = byName.get("inner")!
      const failing = byName.get("failing")!
      expect(lines.map((l) => l.name).sort()).toEqual(["failing", "inner", "outer"])
      expect(outer).toMatchObject({ parent: null, exit: "ok" })
      // header values and query strings are left out: a token may be in them
      expect(outer.attributes).toEqual({ taskId: "t1", "url.full": "http://host/tasks" })
      expect(inner).toMatchObject({
        parent: outer.span,
        trace: outer.trace,
        exit: "ok",
        attributes: { n: "1" }
      })
      expect(failing).toMatchObject({ parent: outer.span, exit: "error" })
      // microseconds since the epoch, each span inside its parent
      expect(Math.abs(outer.start / 1000 - Date.now())).toBeLessThan(60_000)
      expect(inner.end - inner.start).toBeGreaterThanOrEqual(1_000)
      expect(inner.start).toBeGreaterThanOrEqual(outer.start)
      expect(inner.end).toBeLessThanOrEqual(outer.end)
      // read while a server appends: a last line still being written is left out
      fs.appendFileSync(file, '{"name":"half')
      expect(SpanFile.read(file).map((l) => l.name)).toEqual(lines.map((l) => l.name))
    })
  )

  it.effect("a trace file that cannot be opened fails the layer with its path", () =>
    Effect.gen(function* () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hr-spans-"))
      const error = yield* Effect.flip(Effect.scoped(Layer.build(SpanFile.layer(dir))))
      expect(error.message).toContain(`cannot open the trace file ${dir}`)
    })
  )
})
