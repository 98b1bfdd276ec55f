/**
 * Environment names. An env name becomes a file name (`ENV-TS.tar`) and an image tag
 * (`hakuriver/ENV:base`), so it is validated strictly: no traversal, no spaces, no upper case.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { InvalidInput } from "./InvalidInput.js"

const pattern = /^[a-z0-9][a-z0-9_.-]{0,63}$/

/** Why `input` is not a valid env name, or `undefined` when it is. */
const problem = (input: string): string | undefined => {
  if (input.length === 0) return "must not be empty"
  if (input.length > 64) return "must be at most 64 characters"
  if (input.includes("..")) return "must not contain '..'"
  if (!pattern.test(input))
    return "use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"
  return undefined
}

/**
 * A validated environment name such as `hakuriver-base` or `torch`.
 * @category models
 */
export const EnvName = Schema.String.pipe(
  Schema.filter((s) => problem(s) ?? true),
  Schema.brand("EnvName"),
  Schema.annotations({ identifier: "EnvName" })
)
/** @category models */
export type EnvName = typeof EnvName.Type

/**
 * Parses an environment name.
 * @category parsing
 */
export const parseEnvName = (input: string): Either.Either<EnvName, InvalidInput> => {
  const reason = problem(input)
  return reason === undefined
    ? Either.right(input as EnvName)
    : Either.left(new InvalidInput({ what: "environment name", input, reason }))
}

/** The image tag of an environment: `hakuriver/ENV:base`. */
export const imageTag = (env: EnvName): string => `hakuriver/${env}:base`

/**
 * The container choice of a task: an environment, or `"NULL"` for the systemd fallback.
 * @category models
 */
export const ContainerChoice = Schema.Union(Schema.Literal("NULL"), EnvName)
/** @category models */
export type ContainerChoice = typeof ContainerChoice.Type
