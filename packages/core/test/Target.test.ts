import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { Schema } from "effect"
import { formatTarget, parseTarget, TargetFromString } from "../src/domain/index.js"

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

  it("explains every kind of bad target", () => {
    const message = (input: string) => {
      const result = parseTarget(input)
      return Either.isLeft(result) ? result.left.message : "parsed"
    }
    expect(message("")).toBe('invalid target "": node name is missing')
    expect(message(":0")).toBe('invalid target ":0": node name is missing')
    expect(message("a:1:2")).toBe('invalid target "a:1:2": expected node, node:numa or node::gpus')
    expect(message("no de")).toBe(
      `invalid target "no de": node name must be letters, digits, '.', '_' or '-'`
    )
    expect(message("node1:-1")).toBe('invalid target "node1:-1": NUMA id must be a non-negative integer')
    expect(message("node1::")).toBe(
      'invalid target "node1::": GPU ids must be a comma-separated list of non-negative integers'
    )
    expect(message("node1::0,x")).toBe(
      'invalid target "node1::0,x": GPU ids must be a comma-separated list of non-negative integers'
    )
    expect(message("node1::1,1")).toBe('invalid target "node1::1,1": a GPU id is listed twice')
  })

  it("parses node:numa::gpus", () => {
    expect(Either.getOrThrow(parseTarget("n2:1::3"))).toMatchObject({ node: "n2", numa: 1, gpus: [3] })
  })

  it("decodes and encodes at the schema boundary", () => {
    const target = Schema.decodeUnknownSync(TargetFromString)("node3::0,1")
    expect(Schema.encodeSync(TargetFromString)(target)).toBe("node3::0,1")
    expect(() => Schema.decodeUnknownSync(TargetFromString)("node1:x")).toThrow(
      /invalid target "node1:x": NUMA id must be a non-negative integer/
    )
  })

  it("never accepts a string that does not format back to itself", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (s) => {
        const parsed = parseTarget(s)
        if (Either.isRight(parsed)) expect(formatTarget(parsed.right)).toBe(s)
      })
    )
  })
})
