/** The runner's record of its tasks: what it writes reads back, and so does an older runner's file. */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import { ActiveTask, open } from "../src/ActiveTasks.js"
import { makeTask, scopedTempDir } from "../../../test/kit/index.js"

describe("ActiveTasks", () => {
  it.scoped("a record reads back after a restart; an older runner's file with handles (`ref`) too", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("active")
      const file = path.join(dir, "active-tasks.json")
      const task = makeTask(["sleep", "1"], { attempt: 2 })
      const record = new ActiveTask({ task, kind: "process", paused: true, warning: null })
      yield* (yield* open(file)).set(record)
      expect(Option.getOrThrow(yield* (yield* open(file)).get(task.taskId))).toEqual(record)

      const older = { ...Schema.encodeSync(ActiveTask)(record), ref: "4242" }
      fs.writeFileSync(file, JSON.stringify([older]))
      expect(yield* (yield* open(file)).all).toEqual([record])
    })
  )
})
