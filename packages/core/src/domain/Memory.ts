/**
 * Memory sizes such as `512M` or `4G`. Units are decimal powers of 1000 (K, M, G, T); a bare
 * number is bytes. Sizes are exact integers of bytes.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { InvalidInput } from "./InvalidInput.js"
import { fromParser } from "./validate.js"

const units = [
  ["T", 1_000_000_000_000],
  ["G", 1_000_000_000],
  ["M", 1_000_000],
  ["K", 1_000]
] as const

/**
 * A number of bytes.
 * @category models
 */
export const Bytes = Schema.NonNegativeInt.pipe(
  Schema.brand("Bytes"),
  Schema.annotations({ identifier: "Bytes" })
)
/** @category models */
export type Bytes = typeof Bytes.Type

/**
 * Parses `512M`, `4G`, `1.5G`, `100K`, `2048` (bytes). Lower-case units and a trailing `B` are
 * accepted (`4gb`). The result must be a whole number of bytes.
 * @category parsing
 */
export const parseMemory = (input: string): Either.Either<Bytes, InvalidInput> => {
  const fail = (reason: string) => Either.left(new InvalidInput({ what: "memory size", input, reason }))
  const m = /^([0-9]+)(?:\.([0-9]+))?\s*([KMGTkmgt])?[Bb]?$/.exec(input.trim())
  if (m === null) return fail("expected a number with an optional unit K, M, G or T, e.g. 512M or 4G")
  const [, whole = "", frac = "", unitChar] = m
  const unit = unitChar === undefined ? 1 : (units.find(([u]) => u === unitChar.toUpperCase())?.[1] ?? 1)
  // exact decimal arithmetic with BigInt: whole.frac × unit
  const scale = 10n ** BigInt(frac.length)
  const numerator = BigInt(whole + frac) * BigInt(unit)
  if (numerator % scale !== 0n) return fail("must be a whole number of bytes")
  const bytes = numerator / scale
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) return fail("is too large")
  return Either.right(Number(bytes) as Bytes)
}

/**
 * Formats bytes with the largest unit that divides them exactly (`4000000000` → `4G`).
 * @category formatting
 */
export const formatMemory = (bytes: number): string => {
  for (const [u, n] of units) if (bytes !== 0 && bytes % n === 0) return `${bytes / n}${u}`
  return String(bytes)
}

/**
 * Formats bytes for people, rounded (`1536000` → `1.5 MB`).
 * @category formatting
 */
export const humanBytes = (bytes: number): string => {
  for (const [u, n] of units) if (bytes >= n) return `${(bytes / n).toFixed(1).replace(/\.0$/, "")} ${u}B`
  return `${bytes} B`
}

/**
 * A memory size as written by people (`"4G"`), decoded to bytes.
 * @category schemas
 */
export const MemoryFromString = fromParser(Bytes, parseMemory, formatMemory)

/**
 * CPU cores of a request: a positive number, fractions allowed in hundredths (`0.5`, `2`).
 * @category models
 */
export const Cores = Schema.Number.pipe(
  Schema.filter((n) =>
    Number.isFinite(n) && n > 0 && n <= 4096 && Math.abs(Math.round(n * 100) - n * 100) < 1e-9
      ? true
      : "cores must be a positive number up to 4096, in steps of 0.01"
  ),
  Schema.brand("Cores"),
  Schema.annotations({ identifier: "Cores" })
)
/** @category models */
export type Cores = typeof Cores.Type

/**
 * Parses a cores value as typed on a command line.
 * @category parsing
 */
export const parseCores = (input: string): Either.Either<Cores, InvalidInput> => {
  const n = /^[0-9]+(\.[0-9]+)?$/.test(input.trim()) ? Number(input) : Number.NaN
  return Schema.is(Cores)(n)
    ? Either.right(n)
    : Either.left(
        new InvalidInput({ what: "cores", input, reason: "must be a positive number, e.g. 1, 2 or 0.5" })
      )
}
