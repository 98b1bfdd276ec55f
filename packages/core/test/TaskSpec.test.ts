import { describe, expect, it } from "@effect/vitest"
import { Either, ParseResult, Schema } from "effect"
import { TaskSpec } from "../src/domain/index.js"

const decode = Schema.decodeUnknownEither(TaskSpec)
const problem = (input: unknown) => {
  const r = decode(input)
  return Either.isLeft(r) ? ParseResult.ArrayFormatter.formatErrorSync(r.left)[0] : undefined
}

describe("TaskSpec", () => {
  it("fills the defaults and parses targets", () => {
    const spec = Either.getOrThrow(
      decode({ command: ["python", "s.py"], targets: ["node3::0,1", "node1:0"] })
    )
    expect(spec.cores).toBe(1)
    expect(spec.env).toEqual({})
    expect(spec.targets.map((t) => ({ ...t }))).toEqual([
      { node: "node3", gpus: [0, 1] },
      { node: "node1", numa: 0 }
    ])
    expect(Schema.encodeSync(TaskSpec)(spec).targets).toEqual(["node3::0,1", "node1:0"])
  })

  it("reports a bad target with the parser's message and where it is", () => {
    expect(problem({ command: ["x"], targets: ["ok", "node1:x"] })).toMatchObject({
      path: ["targets", 1],
      message: 'invalid target "node1:x": NUMA id must be a non-negative integer'
    })
  })

  it("refuses an empty command, bad env names, bad mounts and bad cores", () => {
    expect(problem({ command: [] })?.path[0]).toBe("command")
    expect(problem({ command: ["x"], env: { "1X": "v" } })?.message).toBe(
      `invalid environment variable name "1X": use letters, digits and '_', not starting with a digit`
    )
    expect(problem({ command: ["x"], mounts: ["/data"] })?.message).toBe(
      "a mount is HOST:CONTAINER or HOST:CONTAINER:ro"
    )
    expect(problem({ command: ["x"], mounts: ["/a/../etc:/etc"] })?.message).toBe(
      "mount paths must be absolute and must not contain '..'"
    )
    expect(problem({ command: ["x"], mounts: ["/a:/b:rx"] })?.message).toBe("the mount mode must be ro or rw")
    expect(problem({ command: ["x"], cores: 0 })?.message).toBe(
      "cores must be a positive number up to 4096, in steps of 0.01"
    )
    expect(problem({ command: ["x"], container: "Bad Name" })?.path).toEqual(["container"])
    expect(problem({ command: ["x"], container: "NULL" })).toBeUndefined()
  })
})
