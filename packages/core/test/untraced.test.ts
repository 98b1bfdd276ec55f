import { describe, expect, it } from "@effect/vitest"
import { untraced } from "@hakuriver/sdk"
import { Effect, Fiber, Layer, Option, Ref } from "effect"

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

describe("untraced", () => {
  it.scoped("a layer built untraced (and what it forks) makes no spans; built as is, it does", () =>
    Effect.gen(function* () {
      const traced = yield* Ref.make(Option.none<string>())
      yield* Layer.build(spanSeen(traced))
      expect(yield* Ref.get(traced)).toEqual(Option.some("work"))

      const quiet = yield* Ref.make(Option.none<string>())
      yield* Layer.build(untraced(spanSeen(quiet)))
      expect(yield* Ref.get(quiet)).toEqual(Option.none())
    })
  )
})
