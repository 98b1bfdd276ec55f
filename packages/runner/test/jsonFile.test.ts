/** State files: rewritten in place (padded, never torn) and still read back exactly. */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import fc from "fast-check"
import { itemEncoder, readJsonFile, writeJsonList } from "../src/jsonFile.js"

const Items = Schema.Array(Schema.String)
const encode = itemEncoder(Schema.String)

describe("jsonFile", () => {
  it.effect("every write reads back as the last value, whether it grows or shrinks", () =>
    Effect.gen(function* () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hr-json-"))
      try {
        const file = path.join(dir, "state", "items.json")
        const values = fc.sample(fc.array(fc.string({ maxLength: 300 }), { maxLength: 40 }), 60)
        for (const value of [...values, [], ["x".repeat(9000)], ["y"], []]) {
          yield* writeJsonList(file, value.map(encode))
          expect(Option.getOrThrow(yield* readJsonFile(file, Items))).toEqual(value)
          expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual(value)
        }
        // a big file that shrinks a lot is replaced, not kept padded
        expect(fs.statSync(file).size).toBeLessThan(4096 + 10)
        expect(fs.readdirSync(path.dirname(file))).toEqual(["items.json"])
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    })
  )
})
