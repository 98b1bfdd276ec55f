/**
 * Where a task runs: `node`, `node:numa`, `node::gpu[,gpu...]` or `node:numa::gpus`.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { NodeName } from "./ids.js"
import { InvalidInput } from "./InvalidInput.js"
import { fromParser, isNatural } from "./validate.js"

/**
 * A parsed target. `gpus` holds the GPU ids the node reports (not assumed contiguous).
 * @category models
 */
export class Target extends Schema.Class<Target>("Target")({
  node: NodeName,
  numa: Schema.optional(Schema.NonNegativeInt),
  gpus: Schema.optional(Schema.Array(Schema.NonNegativeInt))
}) {}

const nodeOk = Schema.is(NodeName)

/**
 * Parses a target string.
 * @category parsing
 * @example
 * parseTarget("node3::0,1") // Right(Target { node: "node3", gpus: [0, 1] })
 */
export const parseTarget = (input: string): Either.Either<Target, InvalidInput> => {
  const fail = (reason: string) => Either.left(new InvalidInput({ what: "target", input, reason }))
  const gpuAt = input.indexOf("::")
  const head = gpuAt === -1 ? input : input.slice(0, gpuAt)
  const gpuPart = gpuAt === -1 ? undefined : input.slice(gpuAt + 2)
  const [node, numaPart, ...rest] = head.split(":")
  if (node === undefined || node.length === 0) return fail("node name is missing")
  if (rest.length > 0) return fail("expected node, node:numa or node::gpus")
  if (!nodeOk(node)) return fail("node name must be letters, digits, '.', '_' or '-'")
  let numa: number | undefined
  if (numaPart !== undefined) {
    if (!isNatural(numaPart)) return fail("NUMA id must be a non-negative integer")
    numa = Number(numaPart)
  }
  let gpus: Array<number> | undefined
  if (gpuPart !== undefined) {
    const items = gpuPart.split(",")
    if (gpuPart.length === 0 || items.some((g) => !isNatural(g))) {
      return fail("GPU ids must be a comma-separated list of non-negative integers")
    }
    gpus = items.map(Number)
    if (new Set(gpus).size !== gpus.length) return fail("a GPU id is listed twice")
  }
  return Either.right(
    new Target({ node, ...(numa === undefined ? {} : { numa }), ...(gpus === undefined ? {} : { gpus }) })
  )
}

/**
 * Formats a target back to its string form; `parseTarget(formatTarget(t))` gives `t` back.
 * @category formatting
 */
export const formatTarget = (t: Target): string =>
  t.node + (t.numa === undefined ? "" : `:${t.numa}`) + (t.gpus === undefined ? "" : `::${t.gpus.join(",")}`)

/**
 * A target as it travels on the wire and in config: its string form.
 * @category schemas
 */
export const TargetFromString = fromParser(Target, parseTarget, formatTarget).pipe(
  Schema.annotations({ identifier: "TargetFromString", description: "node, node:numa or node::gpu,gpu" })
)
