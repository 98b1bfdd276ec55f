import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { completeUtf8Length } from "../src/Logs.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

describe("log chunks", () => {
  it("a chunk cut anywhere ends on a whole character, and the next chunk continues it exactly", () =>
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 60 }).filter((s) => !s.includes("\uFFFD")),
        fc.nat(),
        (text, cutAt) => {
          const bytes = encoder.encode(text)
          const cut = bytes.length === 0 ? 0 : cutAt % (bytes.length + 1)
          const head = bytes.subarray(0, cut)
          const whole = completeUtf8Length(head)
          expect(whole).toBeLessThanOrEqual(cut)
          expect(cut - whole).toBeLessThan(4)
          const first = decoder.decode(head.subarray(0, whole))
          expect(first.includes("\uFFFD")).toBe(false)
          expect(first + decoder.decode(bytes.subarray(whole))).toBe(text)
        }
      ),
      { numRuns: 200 }
    ))
})
