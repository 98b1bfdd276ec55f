/**
 * Expansion of a sweep: the Cartesian product of all spans in argument order, the last span
 * varying fastest, with plain arguments kept in place.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { InvalidInput } from "../domain/InvalidInput.js"
import { parseSweepArg, type SweepArg, sweepArgValues } from "./Span.js"

/** The most runs one sweep may expand to. */
export const maxRuns = 1_000_000

/**
 * Parses every argument of a command line; fails on the first malformed span or when the
 * product would exceed {@link maxRuns}.
 * @category parsing
 */
export const parseSweep = (
  args: ReadonlyArray<string>
): Either.Either<ReadonlyArray<SweepArg>, InvalidInput> =>
  Either.flatMap(Either.all(args.map(parseSweepArg)), (parsed) => {
    const size = sweepSize(parsed)
    return size > maxRuns
      ? Either.left(
          new InvalidInput({
            what: "sweep",
            input: args.join(" "),
            reason: `it expands to ${size} runs; at most ${maxRuns}`
          })
        )
      : Either.right(parsed)
  })

/**
 * How many runs a parsed sweep expands to (the product of the span sizes; 1 without spans).
 * @category getters
 */
export const sweepSize = (sweep: ReadonlyArray<SweepArg>): number =>
  sweep.reduce((n, arg) => n * sweepArgValues(arg).length, 1)

/**
 * The runs of a parsed sweep, lazily, in order: the last span varies fastest.
 * @category constructors
 */
export function* combinations(sweep: ReadonlyArray<SweepArg>): Generator<Array<string>> {
  const columns = sweep.map(sweepArgValues)
  if (columns.some((c) => c.length === 0)) return
  const index = columns.map(() => 0)
  while (true) {
    yield columns.map((values, i) => values[index[i] ?? 0] ?? "")
    // odometer step: bump the last position, carrying to the left
    let i = columns.length - 1
    while (i >= 0) {
      const next = (index[i] ?? 0) + 1
      if (next < (columns[i]?.length ?? 0)) {
        index[i] = next
        break
      }
      index[i] = 0
      i--
    }
    if (i < 0) return
  }
}

/**
 * Expands a command line with spans into the argument arrays of its runs.
 * @category constructors
 * @example
 * expand(["echo", "span:{1..2}", "x", "span:[a,b]"])
 * // Right([["echo","1","x","a"], ["echo","1","x","b"], ["echo","2","x","a"], ["echo","2","x","b"]])
 */
export const expand = (args: ReadonlyArray<string>): Either.Either<Array<Array<string>>, InvalidInput> =>
  Either.map(parseSweep(args), (sweep) => Array.from(combinations(sweep)))

/**
 * Like {@link expand}, for plain scripts: returns the runs or throws the {@link InvalidInput}.
 * @category constructors
 */
export const expandSync = (args: ReadonlyArray<string>): Array<Array<string>> =>
  Either.getOrThrowWith(expand(args), (e) => e)
