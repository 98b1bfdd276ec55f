import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect } from "effect"
import * as SpawnHelper from "../../src/executor/process/SpawnHelper.js"
import { pidAlive, scopedTempDir } from "../../../../test/kit/index.js"

/** Polls until `f` holds, at most `ms`. */
const eventually = (f: () => boolean, ms = 5_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms
    while (!f()) {
      if (Date.now() > deadline) return false
      yield* Effect.sleep("20 millis")
    }
    return true
  })

/** Starts a command through the helper and answers with its pid and its end. */
const start = (helper: SpawnHelper.SpawnHelper, dir: string, command: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const ended = yield* Deferred.make<SpawnHelper.SpawnExit>()
    const [file = "true", ...args] = command
    const log = path.join(dir, "task.log")
    const spawned = yield* helper.spawn({ file, args, cwd: dir, env: {}, stdout: log, stderr: log }, (exit) =>
      Deferred.unsafeDone(ended, Effect.succeed(exit))
    )
    return { spawned, ended }
  })

describe("SpawnHelper", () => {
  it.scopedLive("lets the helper go once nothing is in flight for idleMs, and starts it again", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("spawn-helper")
      const helper = SpawnHelper.make({ idleMs: 300 })
      expect(helper.pid()).toBeUndefined()

      // a process that outlives idleMs keeps the helper: its end is still to be told
      const long = yield* start(helper, dir, ["sleep", "1"])
      expect(long.spawned._tag).toBe("Started")
      const first = helper.pid()
      expect(first).toBeDefined()
      yield* Effect.sleep("700 millis")
      expect(pidAlive(first ?? 0)).toBe(true)
      expect(yield* Deferred.await(long.ended)).toEqual({ _tag: "Exited", code: 0, signal: null })

      // nothing in flight: the helper ends after idleMs
      expect(yield* eventually(() => helper.pid() === undefined && !pidAlive(first ?? 0))).toBe(true)

      // the next start brings a new helper
      const next = yield* start(helper, dir, ["true"])
      expect(next.spawned._tag).toBe("Started")
      expect(helper.pid()).not.toBe(first)
      expect(yield* Deferred.await(next.ended)).toEqual({ _tag: "Exited", code: 0, signal: null })
    })
  )
})
