import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { formatTarget, parseTarget } from "../src/domain/index.js"

describe("Target", () => {
  it("parses node, node:numa and node::gpus", () => {
    expect(Either.getOrThrow(parseTarget("node1"))).toMatchObject({ node: "node1" })
    expect(Either.getOrThrow(parseTarget("node1:0"))).toMatchObject({ node: "node1", numa: 0 })
    expect(Either.getOrThrow(parseTarget("node3::0,1"))).toMatchObject({ node: "node3", gpus: [0, 1] })
  })

  it("explains a bad NUMA id", () => {
    const result = parseTarget("node1:x")
    expect(Either.isLeft(result) && result.left.message).toBe(
      'invalid target "node1:x": NUMA id must be a non-negative integer'
    )
  })

  it("round-trips format and parse", () => {
    const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/)
    const gpus = fc.uniqueArray(fc.nat(64), { minLength: 1, maxLength: 8 })
    fc.assert(
      fc.property(
        name,
        fc.option(fc.nat(8), { nil: undefined }),
        fc.option(gpus, { nil: undefined }),
        (node, numa, g) => {
          const text =
            node + (numa === undefined ? "" : `:${numa}`) + (g === undefined ? "" : `::${g.join(",")}`)
          const parsed = Either.getOrThrow(parseTarget(text))
          expect(formatTarget(parsed)).toBe(text)
        }
      )
    )
  })
})
