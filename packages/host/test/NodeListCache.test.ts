/** The kept node list: reads that race heartbeats are kept with them applied; reads that race a write are not. */
import { describe, expect, it } from "@effect/vitest"
import { NodeListCache } from "../src/NodeListCache.js"

interface Entry {
  readonly name: string
  readonly beat: number
}

const cache = () => new NodeListCache<Entry>((e) => e.name)
const table = (a: number, b: number): ReadonlyArray<Entry> => [
  { name: "a", beat: a },
  { name: "b", beat: b }
]
const beat = (n: number) => (e: Entry) => ({ ...e, beat: n })

describe("NodeListCache", () => {
  it("keeps a read, and patches the kept list with each heartbeat", () => {
    const c = cache()
    expect(c.kept).toBeUndefined()
    expect(c.landed(c.begin(), table(0, 0))).toEqual(table(0, 0))
    c.patch("b", beat(1))
    expect(c.kept).toEqual(table(0, 1))
  })

  it("applies the heartbeats that came during a read, in order, and keeps the result", () => {
    const c = cache()
    c.patch("a", beat(1)) // before the read: the read sees it in the table
    const start = c.begin()
    c.patch("b", beat(2))
    c.patch("b", beat(3))
    // the read saw b's first heartbeat but not the second: both are applied again, last wins
    expect(c.landed(start, table(1, 2))).toEqual(table(1, 3))
    expect(c.kept).toEqual(table(1, 3))
  })

  it("does not keep a read during which a write dropped the list", () => {
    const c = cache()
    c.landed(c.begin(), table(0, 0))
    c.drop()
    const start = c.begin()
    c.drop()
    expect(c.landed(start, table(5, 5))).toEqual(table(5, 5))
    expect(c.kept).toBeUndefined()
  })

  it("a slower read that lands after a newer one answers the kept (newer) list", () => {
    const c = cache()
    const slow = c.begin()
    const fast = c.begin()
    c.landed(fast, table(0, 0))
    c.patch("a", beat(7))
    expect(c.landed(slow, table(0, 0))).toEqual(table(7, 0))
  })

  it("finds a kept entry by name, patched, and nothing when no list is kept", () => {
    const c = cache()
    expect(c.find("a")).toBeUndefined()
    c.landed(c.begin(), table(0, 0))
    c.patch("b", beat(4))
    expect(c.find("b")).toEqual({ name: "b", beat: 4 })
    expect(c.find("a")).toEqual({ name: "a", beat: 0 })
    expect(c.find("zz")).toBeUndefined()
    c.drop()
    expect(c.find("a")).toBeUndefined()
  })

  it("never changes a list a reader already holds; a heartbeat of an unknown name changes nothing", () => {
    const c = cache()
    const held = c.landed(c.begin(), table(0, 0))
    c.patch("a", beat(9))
    expect(held).toEqual(table(0, 0))
    expect(c.kept).toEqual(table(9, 0))
    const before = c.kept
    c.patch("zz", beat(1))
    expect(c.kept).toBe(before)
  })
})
