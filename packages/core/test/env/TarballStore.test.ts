import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { PassThrough, Readable } from "node:stream"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Option, Ref, Stream, TestClock } from "effect"
import * as fc from "fast-check"
import type { EnvName } from "../../src/domain/index.js"
import { TarballStore } from "../../src/executor/index.js"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "hakuriver-tarballs-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

const env = (name: string) => name as EnvName
const bytes = (text: string) => new TextEncoder().encode(text)
const listDir = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [])

describe("TarballStore", () => {
  it.scoped("writes ENV-UNIXSECONDS.tar from a stream, reporting progress", () =>
    Effect.gen(function* () {
      const dir = path.join(yield* tempDir, "hakuriver-containers")
      const store = TarballStore.make(dir)
      yield* TestClock.setTime(1_732_550_000_000)
      const progress = yield* Ref.make<Array<number>>([])
      const info = yield* store.write(env("torch"), Stream.make(bytes("abc"), bytes("defg")), {
        onProgress: (n) => Ref.update(progress, (p) => [...p, n])
      })
      expect(info.file).toBe("torch-1732550000.tar")
      expect(info.sizeBytes).toBe(7)
      expect(yield* Ref.get(progress)).toEqual([3, 7])
      expect(fs.readFileSync(path.join(dir, "torch-1732550000.tar"), "utf8")).toBe("abcdefg")
      expect(listDir(dir)).toEqual(["torch-1732550000.tar"])
      expect(yield* store.list).toEqual([info])
    })
  )

  it.scoped("a second tarball of an env is newer, even within the same second, and replaces the old", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const store = TarballStore.make(dir)
      yield* TestClock.setTime(1_000_000_000)
      const first = yield* store.write(env("e1"), Stream.make(bytes("one")))
      const other = yield* store.write(env("e2"), Stream.make(bytes("other env")))
      const second = yield* store.write(env("e1"), Stream.make(bytes("two!")))
      expect(first.timestamp).toBe(1_000_000)
      expect(second.timestamp).toBe(1_000_001)
      expect(listDir(dir)).toEqual(["e1-1000001.tar", "e2-1000000.tar"])
      expect(Option.getOrThrow(yield* store.newest(env("e1")))).toMatchObject({
        sizeBytes: 4,
        versions: [1_000_001]
      })
      expect(Option.getOrThrow(yield* store.newest(env("e2"))).timestamp).toBe(other.timestamp)
      expect(Option.isNone(yield* store.newest(env("e3")))).toBe(true)
    })
  )

  it.scoped("list: newest per env with size and versions; other files and temp files are ignored", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      for (const [name, content] of [
        ["base-100.tar", "x"],
        ["base-300.tar", "xyz"],
        ["base-200.tar", "xy"],
        ["my-env-5.tar", "12345"],
        ["README.md", "not a tarball"],
        ["Bad Name-7.tar", "invalid env"],
        ["noseconds.tar", ""],
        [".base.1234.tar.partial", "half written"]
      ] as const) {
        fs.writeFileSync(path.join(dir, name), content)
      }
      const list = yield* TarballStore.make(dir).list
      expect(list.map((t) => ({ ...t }))).toEqual([
        { env: "base", timestamp: 300, file: "base-300.tar", sizeBytes: 3, versions: [300, 200, 100] },
        { env: "my-env", timestamp: 5, file: "my-env-5.tar", sizeBytes: 5, versions: [5] }
      ])
    })
  )

  it.scoped("a missing folder lists as empty", () =>
    Effect.gen(function* () {
      const dir = path.join(yield* tempDir, "not-there")
      expect(yield* TarballStore.make(dir).list).toEqual([])
    })
  )

  it.scoped("a failing source leaves neither a tarball nor a temp file, and keeps the old tarball", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const store = TarballStore.make(dir)
      yield* TestClock.setTime(5_000_000)
      yield* store.write(env("e"), Stream.make(bytes("good")))
      const failing = Stream.concat(Stream.make(bytes("partial")), Stream.fail("docker save broke"))
      const error = yield* Effect.flip(store.write(env("e"), failing))
      expect(error).toBe("docker save broke")
      expect(listDir(dir)).toEqual(["e-5000.tar"])
      expect(fs.readFileSync(path.join(dir, "e-5000.tar"), "utf8")).toBe("good")
    })
  )

  it.scopedLive("while a write is under way readers see only the complete old tarball", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const store = TarballStore.make(dir)
      yield* store.write(env("e"), Stream.make(bytes("old")), { timestamp: 100 })
      const slow = Stream.fromIterable([bytes("new-"), bytes("content")]).pipe(
        Stream.tap(() => Effect.sleep("150 millis"))
      )
      const writer = yield* Effect.fork(store.write(env("e"), slow))
      yield* Effect.sleep("100 millis")
      const during = yield* store.list
      expect(during.map((t) => t.file)).toEqual(["e-100.tar"])
      expect(fs.readFileSync(path.join(dir, "e-100.tar"), "utf8")).toBe("old")
      expect(listDir(dir).filter((n) => n.endsWith(".partial"))).toHaveLength(1)
      const done = yield* Fiber.join(writer)
      expect(fs.readFileSync(store.pathOf(done), "utf8")).toBe("new-content")
      expect(listDir(dir)).toEqual([done.file])
    })
  )

  it.scopedLive("an interrupted write leaves nothing behind", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const store = TarballStore.make(dir)
      const endless = Stream.repeatValue(bytes("x".repeat(1024))).pipe(
        Stream.tap(() => Effect.sleep("5 millis"))
      )
      const writer = yield* Effect.fork(store.write(env("e"), endless))
      yield* Effect.sleep("100 millis")
      yield* Fiber.interrupt(writer)
      expect(listDir(dir)).toEqual([])
    })
  )

  it.scoped("accepts a Node readable (e.g. dockerode's image.get())", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const store = TarballStore.make(dir)
      const info = yield* store.write(
        env("node"),
        Readable.from([Buffer.from("from "), Buffer.from("node")]),
        {
          timestamp: 42
        }
      )
      expect(info.file).toBe("node-42.tar")
      expect(fs.readFileSync(store.pathOf(info), "utf8")).toBe("from node")
    })
  )

  it.scopedLive("interrupting a write from an idle Node readable returns at once and leaves nothing", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const store = TarballStore.make(dir)
      const idle = new PassThrough()
      idle.write(Buffer.from("some bytes, then nothing"))
      const writer = yield* Effect.fork(store.write(env("idle"), idle))
      yield* Effect.sleep("100 millis")
      yield* Fiber.interrupt(writer).pipe(
        Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error("interrupt hung") })
      )
      expect(listDir(dir)).toEqual([])
      expect(idle.destroyed).toBe(true)
    })
  )

  it.scoped("remove deletes every tarball of one env only", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      fs.writeFileSync(path.join(dir, "a-1.tar"), "")
      fs.writeFileSync(path.join(dir, "a-2.tar"), "")
      fs.writeFileSync(path.join(dir, "b-1.tar"), "")
      yield* TarballStore.make(dir).remove(env("a"))
      expect(listDir(dir)).toEqual(["b-1.tar"])
    })
  )

  it.scoped("the written file is exactly the concatenation of the chunks (property)", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const store = TarballStore.make(dir)
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 512 }), { maxLength: 20 }), async (chunks) => {
            const info = await Effect.runPromise(
              store.write(env("prop"), Stream.fromChunk(Chunk.fromIterable(chunks)))
            )
            const expected = Buffer.concat(chunks.map((c) => Buffer.from(c)))
            expect(fs.readFileSync(store.pathOf(info)).equals(expected)).toBe(true)
            expect(info.sizeBytes).toBe(expected.length)
            expect(listDir(dir)).toEqual([info.file])
          }),
          { numRuns: 30 }
        )
      )
    })
  )
})
