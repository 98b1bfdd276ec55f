import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import fc from "fast-check"
import { formatMemory, MemoryFromString, parseCores, parseMemory } from "../src/domain/index.js"

const bytes = (input: string) => Either.getOrThrow(parseMemory(input))
const reason = (result: Either.Either<unknown, { readonly message: string }>) =>
  Either.isLeft(result) ? result.left.message : "parsed"

describe("memory sizes", () => {
  it("uses decimal units and exact bytes", () => {
    expect(bytes("512M")).toBe(512_000_000)
    expect(bytes("4G")).toBe(4_000_000_000)
    expect(bytes("1.5G")).toBe(1_500_000_000)
    expect(bytes("100K")).toBe(100_000)
    expect(bytes("2T")).toBe(2_000_000_000_000)
    expect(bytes("2048")).toBe(2048)
    expect(bytes("4gb")).toBe(4_000_000_000)
  })

  it("explains what is wrong", () => {
    expect(reason(parseMemory("4X"))).toBe(
      'invalid memory size "4X": expected a number with an optional unit K, M, G or T, e.g. 512M or 4G'
    )
    expect(reason(parseMemory("-1G"))).toMatch(/^invalid memory size "-1G": expected a number/)
    expect(reason(parseMemory("1.0000001K"))).toBe(
      'invalid memory size "1.0000001K": must be a whole number of bytes'
    )
    expect(reason(parseMemory("99999999999T"))).toBe('invalid memory size "99999999999T": is too large')
    expect(reason(parseMemory(""))).toMatch(/^invalid memory size "": /)
  })

  it("formats with the largest exact unit", () => {
    expect(formatMemory(4_000_000_000)).toBe("4G")
    expect(formatMemory(1_500_000_000)).toBe("1500M")
    expect(formatMemory(0)).toBe("0")
    expect(formatMemory(1234)).toBe("1234")
  })

  it("round-trips: parse(format(n)) = n for every safe byte count", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        expect(bytes(formatMemory(n))).toBe(n)
      })
    )
  })

  it("round-trips: format(parse(text)) = text for canonical sizes", () => {
    const unit = fc.constantFrom("K", "M", "G", "T")
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999 }), unit, (n, u) => {
        expect(formatMemory(bytes(`${n}${u}`))).toBe(`${n}${u}`)
      })
    )
  })

  it("decodes at the schema boundary with the parser's message", () => {
    expect(Schema.decodeUnknownSync(MemoryFromString)("4G")).toBe(4_000_000_000)
    expect(Schema.encodeSync(MemoryFromString)(Schema.decodeUnknownSync(MemoryFromString)("4G"))).toBe("4G")
    expect(() => Schema.decodeUnknownSync(MemoryFromString)("4X")).toThrow(/invalid memory size "4X"/)
  })
})

describe("cores", () => {
  it("accepts positive numbers in hundredths", () => {
    expect(Either.getOrThrow(parseCores("2"))).toBe(2)
    expect(Either.getOrThrow(parseCores("0.5"))).toBe(0.5)
  })

  it("refuses zero, negatives, words and finer fractions", () => {
    for (const bad of ["0", "-1", "two", "0.001", "", "1e3"]) {
      expect(reason(parseCores(bad))).toBe(
        `invalid cores ${JSON.stringify(bad)}: must be a positive number, e.g. 1, 2 or 0.5`
      )
    }
  })
})
