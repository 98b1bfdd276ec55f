import { describe, expect, it } from "@effect/vitest"
import type { TaskId } from "@hakuriver/sdk"
import { Effect } from "effect"
import { eventually, spec, startHost, tempDir, testConfig, waitAllFinal } from "./support/harness.js"
import * as TestRunner from "./support/TestRunner.js"

describe("node loss", () => {
  it.live(
    "a runner that dies: its node goes offline and its tasks are lost within the timeout; it comes back online",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          // offline after 0.2 s × 3 = 0.6 s without a heartbeat
          const config = testConfig(dir, { timing: { heartbeat_interval: 0.2, heartbeat_timeout_factor: 3 } })
          const { url, client } = yield* startHost(config)
          const runner = yield* TestRunner.make({ name: "doomed", hostUrl: url, cores: 2 })
          const survivor = yield* TestRunner.make({ name: "survivor", hostUrl: url, cores: 2 })
          const submitted = yield* client.tasks.submit({
            payload: spec(["sleep", "30"], { targets: ["doomed"] })
          })
          const other = yield* client.tasks.submit({
            payload: spec(["sleep", "30"], { targets: ["survivor"] })
          })
          const id = submitted.taskIds[0] as TaskId
          yield* eventually(client.tasks.get({ path: { id } }), (t) => t.status === "running")
          const killedAt = Date.now()
          yield* runner.crash
          const [lost] = yield* waitAllFinal(client, [id], 10_000)
          const took = Date.now() - killedAt
          expect(lost?.status).toBe("lost")
          expect(lost?.error).toMatch(/offline/)
          expect(took).toBeLessThan(5_000)
          // (a heartbeat already on its way when the runner died may flip it back once; then it stays offline)
          const nodes = yield* eventually(client.cluster.nodes(), (ns) =>
            ns.some((n) => n.name === "doomed" && n.status === "offline")
          )
          expect(nodes.find((n) => n.name === "survivor")?.status).toBe("online")
          // the other node's task is untouched
          const otherTask = yield* client.tasks.get({ path: { id: other.taskIds[0] as TaskId } })
          expect(otherTask.status).toBe("running")
          // a target on an offline node is refused at submit
          const refused = yield* client.tasks
            .submit({ payload: spec(["true"], { targets: ["doomed"] }) })
            .pipe(Effect.flip)
          expect(refused._tag).toBe("BadRequest")
          // the runner comes back: online again, and takes work
          yield* TestRunner.make({ name: "doomed", hostUrl: url, cores: 2 })
          yield* eventually(client.cluster.nodes(), (ns) => ns.every((n) => n.status === "online"))
          expect(survivor.running()).toHaveLength(1)
        })
      ),
    30_000
  )
})
