/**
 * Tarball file names in `SHARED/hakuriver-containers/`: `ENV-UNIXSECONDS.tar`.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { EnvName, parseEnvName } from "./EnvName.js"
import { InvalidInput } from "./InvalidInput.js"
import { isNatural } from "./validate.js"

/** @category models */
export class TarballName extends Schema.Class<TarballName>("TarballName")({
  env: EnvName,
  /** Unix seconds when the tarball was made. */
  timestamp: Schema.NonNegativeInt
}) {}

/**
 * Parses `torch-1732550000.tar`. The env name may itself contain `-`: the timestamp is what
 * follows the last one.
 * @category parsing
 */
export const parseTarballName = (input: string): Either.Either<TarballName, InvalidInput> => {
  const fail = (reason: string) => Either.left(new InvalidInput({ what: "tarball name", input, reason }))
  if (!input.endsWith(".tar")) return fail("must end in .tar")
  const stem = input.slice(0, -4)
  const dash = stem.lastIndexOf("-")
  if (dash <= 0) return fail("expected ENV-UNIXSECONDS.tar")
  const ts = stem.slice(dash + 1)
  if (!isNatural(ts)) return fail("the timestamp must be whole unix seconds")
  return Either.map(
    parseEnvName(stem.slice(0, dash)),
    (env) => new TarballName({ env, timestamp: Number(ts) })
  )
}

/** Formats `{ env, timestamp }` as `ENV-TIMESTAMP.tar`. */
export const formatTarballName = (t: { readonly env: string; readonly timestamp: number }): string =>
  `${t.env}-${t.timestamp}.tar`
