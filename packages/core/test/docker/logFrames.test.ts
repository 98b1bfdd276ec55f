import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import {
  encodeFrame,
  frameDecoder,
  parseTimestampNanos,
  splitTimestamp
} from "../../src/executor/docker/logFrames.js"

const frameArb = fc.record({
  stream: fc.constantFrom(1 as const, 2 as const),
  payload: fc.uint8Array({ maxLength: 300 })
})

/** Splits `bytes` at the given cut points. */
const cut = (bytes: Uint8Array, points: ReadonlyArray<number>): Array<Uint8Array> => {
  const sorted = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b)
  const pieces: Array<Uint8Array> = []
  let start = 0
  for (const p of sorted) {
    pieces.push(bytes.slice(start, p))
    start = p
  }
  pieces.push(bytes.slice(start))
  return pieces
}

describe("Docker log frames", () => {
  it("decodes whatever the chunking (property)", () =>
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (frames, points) => {
          const encoded = Buffer.concat(frames.map((f) => Buffer.from(encodeFrame(f))))
          const decoder = frameDecoder()
          const decoded = cut(new Uint8Array(encoded), points).flatMap((piece) => [...decoder.push(piece)])
          expect(
            decoded.map((f) => ({ stream: f.stream, payload: Buffer.from(f.payload).toString("hex") }))
          ).toEqual(
            frames.map((f) => ({ stream: f.stream, payload: Buffer.from(f.payload).toString("hex") }))
          )
          expect(decoder.pending()).toBe(0)
        }
      )
    ))

  it("keeps an incomplete frame until the rest arrives", () => {
    const decoder = frameDecoder()
    const bytes = encodeFrame({ stream: 2, payload: new TextEncoder().encode("hello") })
    expect(decoder.push(bytes.subarray(0, 10))).toEqual([])
    expect(decoder.pending()).toBe(10)
    const [frame] = decoder.push(bytes.subarray(10))
    expect(frame?.stream).toBe(2)
    expect(new TextDecoder().decode(frame?.payload)).toBe("hello")
  })

  it("parses Docker timestamps to nanoseconds, whatever the fraction length", () => {
    expect(parseTimestampNanos("2026-11-25T18:02:20.318962479Z")).toBe(1795629740318962479n)
    expect(parseTimestampNanos("2026-11-25T18:02:20.31Z")).toBe(1795629740310000000n)
    expect(parseTimestampNanos("2026-11-25T18:02:20Z")).toBe(1795629740000000000n)
    expect(parseTimestampNanos("2026-11-25T19:02:20.5+01:00")).toBe(1795629740500000000n)
    expect(parseTimestampNanos("yesterday")).toBeUndefined()
  })

  it("orders timestamps as time, not as text (property)", () =>
    fc.assert(
      fc.property(fc.nat({ max: 999_999_999 }), fc.nat({ max: 999_999_999 }), (a, b) => {
        const text = (n: number) =>
          `2026-11-25T18:02:20.${String(n).padStart(9, "0").replace(/0+$/, "") || "0"}Z`
        const na = parseTimestampNanos(text(a))!
        const nb = parseTimestampNanos(text(b))!
        expect(na < nb).toBe(a < b)
      })
    ))

  it("splits the timestamp from a message", () => {
    const { nanos, message } = splitTimestamp(
      new TextEncoder().encode("2026-11-25T18:02:20.1Z hello world\n")
    )
    expect(nanos).toBe(1795629740100000000n)
    expect(new TextDecoder().decode(message)).toBe("hello world\n")
    const plain = splitTimestamp(new TextEncoder().encode("no time here\n"))
    expect(plain.nanos).toBeUndefined()
    expect(new TextDecoder().decode(plain.message)).toBe("no time here\n")
  })
})
