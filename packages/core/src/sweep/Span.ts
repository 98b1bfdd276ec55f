/**
 * Sweep arguments: a plain argument, or a span that stands for several values.
 *
 * - `span:{START..END}`: the integers from START to END inclusive. Negative bounds are fine
 *   (`span:{-2..2}` → -2 -1 0 1 2); a descending range counts down (`span:{3..1}` → 3 2 1).
 * - `span:[a,b,c]`: the listed items, in order, each trimmed of surrounding spaces.
 *
 * Any other argument that starts with `span:` is an error, as is an empty list or item.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import { InvalidInput } from "../domain/InvalidInput.js"

/**
 * One argument of a sweep.
 * @category models
 */
export type SweepArg = Data.TaggedEnum<{
  /** An argument passed as is. */
  Fixed: { readonly value: string }
  /** A span: one run per value. */
  Span: { readonly input: string; readonly values: ReadonlyArray<string> }
}>

/** @category constructors */
export const SweepArg = Data.taggedEnum<SweepArg>()

/** The prefix that marks a span. */
export const spanPrefix = "span:"

/** The most values one range span may have; bigger ranges are almost surely typos. */
export const maxSpanValues = 1_000_000

const rangePattern = /^\{\s*(-?[0-9]+)\s*\.\.\s*(-?[0-9]+)\s*\}$/
const listPattern = /^\[(.*)\]$/s

const fail = (input: string, reason: string) => Either.left(new InvalidInput({ what: "span", input, reason }))

const range = (input: string, startText: string, endText: string) => {
  const start = Number(startText)
  const end = Number(endText)
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) {
    return fail(input, "range bounds must be integers within ±9007199254740991")
  }
  const count = Math.abs(end - start) + 1
  if (count > maxSpanValues) return fail(input, `the range has ${count} values; at most ${maxSpanValues}`)
  const step = end >= start ? 1 : -1
  // `+ 0` turns -0 (from "-0") into 0 so that it prints as "0"
  return Either.right(Array.from({ length: count }, (_, i) => String(start + i * step + 0)))
}

const list = (input: string, body: string) => {
  if (body.trim().length === 0)
    return fail(input, "the list is empty; give at least one item, e.g. span:[a,b]")
  const items = body.split(",").map((item) => item.trim())
  if (items.some((item) => item.length === 0)) return fail(input, "a list item is empty")
  return Either.right(items)
}

/**
 * Parses one argument: a span becomes its values, anything else stays fixed.
 * @category parsing
 * @example
 * parseSweepArg("span:{1..3}") // Right(Span { values: ["1", "2", "3"] })
 * parseSweepArg("span:[a, b]") // Right(Span { values: ["a", "b"] })
 * parseSweepArg("x")           // Right(Fixed { value: "x" })
 * parseSweepArg("span:{1..}")  // Left(InvalidInput: invalid span "span:{1..}": ...)
 */
export const parseSweepArg = (input: string): Either.Either<SweepArg, InvalidInput> => {
  if (!input.startsWith(spanPrefix)) return Either.right(SweepArg.Fixed({ value: input }))
  const body = input.slice(spanPrefix.length)
  const r = rangePattern.exec(body)
  const l = r === null ? listPattern.exec(body) : null
  const values =
    r !== null
      ? range(input, r[1] ?? "", r[2] ?? "")
      : l !== null
        ? list(input, l[1] ?? "")
        : fail(
            input,
            /^[^{[]*$/.test(body)
              ? `expected span:{START..END} or span:[a,b,...]; quote spans in the shell, which turns span:{1..3} into span:1 span:2 span:3`
              : "expected span:{START..END} with integers (e.g. span:{1..3}) or span:[a,b,...]"
          )
  return Either.map(values, (vs) => SweepArg.Span({ input, values: vs }))
}

/**
 * The values an argument stands for: one for a fixed argument, the span's values otherwise.
 * @category getters
 */
export const sweepArgValues = (arg: SweepArg): ReadonlyArray<string> =>
  arg._tag === "Fixed" ? [arg.value] : arg.values
