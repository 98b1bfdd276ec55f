import { describe, expect, it } from "@effect/vitest"
import { NodeInfo, TaskSpec } from "@hakuriver/sdk"
import { Effect, Schema } from "effect"
import { startHost, tempDir, testConfig } from "./support/harness.js"

const spec = (raw: Record<string, unknown>) => Schema.decodeUnknownSync(TaskSpec)(raw)
const node = Schema.decodeUnknownSync(NodeInfo)({
  name: "b1",
  url: "http://127.0.0.1:9",
  cores: 4,
  memoryBytes: 8_000_000_000,
  numa: [],
  gpus: [],
  executors: ["process"]
})

describe("POST /tasks/batch", () => {
  it.scoped(
    "several specs become one batch; refused targets are named with their spec's index",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const { client } = yield* startHost(testConfig(dir))
        yield* client.runners.register({ payload: node })
        const response = yield* client.tasks.submitBatch({
          payload: {
            tasks: [
              spec({ command: ["echo", "1"], container: "NULL" }),
              spec({ command: ["echo", "2"], container: "NULL" }),
              spec({ command: ["echo", "3"], container: "NULL", targets: ["b1", "ghost"] })
            ]
          }
        })
        expect(response.taskIds).toHaveLength(3)
        expect(response.failedTargets.map((f) => f.target)).toEqual(["[2] ghost"])
        const tasks = yield* client.tasks.list({ urlParams: { batch: response.batchId } })
        expect(tasks.map((t) => t.command.join(" ")).sort()).toEqual(["echo 1", "echo 2", "echo 3"])
        expect(new Set(tasks.map((t) => t.batchId))).toEqual(new Set([response.batchId]))
      }),
    30_000
  )

  it.scoped(
    "a batch where nothing can run is refused as a whole and stores nothing",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const { client } = yield* startHost(testConfig(dir))
        const error = yield* client.tasks
          .submitBatch({ payload: { tasks: [spec({ command: ["true"], targets: ["ghost"] })] } })
          .pipe(Effect.flip)
        expect(error._tag).toBe("BadRequest")
        expect(yield* client.tasks.list({ urlParams: {} })).toHaveLength(0)
      }),
    30_000
  )
})
