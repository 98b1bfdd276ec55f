/**
 * Node loss: a real runner process (the runner package's `test/fixtures/runner-main.ts`) is SIGKILLed while it runs a
 * task; its node goes offline and the task `lost` within the heartbeat timeout, while a second
 * runner (a layer in this process) keeps its task. When the node's runner is back, it is online.
 */
import { describe, expect, it } from "@effect/vitest"
import { Runner } from "@hakuriver/runner"
import type { TaskId } from "@hakuriver/sdk"
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Layer } from "effect"
import { eventually, spec, startHost, tempDir, testConfig, waitAllFinal } from "./support/harness.js"
import { fixtureProcess, sigkill, writeConfig } from "./support/processes.js"

describe("node loss", () => {
  it.live(
    "a runner that dies: its node goes offline and its tasks are lost within the timeout; it comes back online",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          // offline after 0.3 s × 4 = 1.2 s without a heartbeat
          const timing = { heartbeat_interval: 0.3, heartbeat_timeout_factor: 4, cleanup_check_interval: 0.1 }
          const { url, client } = yield* startHost(testConfig(dir, { timing }))
          const port = Number(new URL(url).port)
          const runnerRaw = (name: string) => ({
            network: {
              host_port: port,
              runner_bind_ip: "127.0.0.1",
              runner_address: "127.0.0.1",
              runner_port: 0,
              runner_name: name
            },
            timing,
            runner: { executor: "process", max_cores: 1 }
          })
          const doomedProcess = yield* fixtureProcess(
            "runner-main.ts",
            yield* writeConfig(dir, "doomed", {
              ...runnerRaw("doomed"),
              paths: { shared_dir: path.join(dir, "shared"), local_temp_dir: path.join(dir, "temp-doomed") }
            })
          )
          yield* Layer.build(Runner.layer(testConfig(dir, runnerRaw("survivor")))).pipe(Effect.orDie)
          yield* eventually(
            client.cluster.nodes(),
            (ns) => ns.filter((n) => n.status === "online").length === 2,
            90_000
          )

          // the tasks wait for the gate (opened at the end, or the temp dir gone, so the orphan of the killed runner exits)
          const gate = path.join(dir, "gate")
          yield* Effect.addFinalizer(() => Effect.sync(() => fs.writeFileSync(gate, "")))
          const gated = [
            "sh",
            "-c",
            'while [ ! -e "$1" ] && [ -d "$2" ]; do sleep 0.05; done',
            "gated",
            gate,
            dir
          ]
          const submitTo = (node: string) =>
            Effect.map(
              client.tasks.submit({
                payload: spec(gated, { targets: [node], container: "NULL", cores: 0.5 })
              }),
              (r) => r.taskIds[0] as TaskId
            )
          const id = yield* submitTo("doomed")
          const other = yield* submitTo("survivor")
          yield* eventually(client.tasks.get({ path: { id } }), (t) => t.status === "running", 30_000)

          const killedAt = Date.now()
          yield* sigkill(doomedProcess)
          const [lost] = yield* waitAllFinal(client, [id], 20_000)
          const took = Date.now() - killedAt
          expect(lost?.status).toBe("lost")
          expect(lost?.error).toMatch(/node doomed went offline \(no heartbeat for/)
          // timeout 1.2 s + check interval 0.1 s + the heartbeat interval the node had left
          expect(took).toBeLessThan(5_000)
          const nodes = yield* eventually(client.cluster.nodes(), (ns) =>
            ns.some((n) => n.name === "doomed" && n.status === "offline")
          )
          expect(nodes.find((n) => n.name === "survivor")?.status).toBe("online")
          expect((yield* client.tasks.get({ path: { id: other } })).status).toBe("running")
          // a target on an offline node is refused at submit
          const refused = yield* Effect.flip(
            client.tasks.submit({ payload: spec(["true"], { targets: ["doomed"], container: "NULL" }) })
          )
          expect(refused.message).toBe('node "doomed" is offline')

          // the node's runner is back (here as a layer): online again, and it takes work
          yield* Layer.build(Runner.layer(testConfig(dir, runnerRaw("doomed")))).pipe(Effect.orDie)
          yield* eventually(client.cluster.nodes(), (ns) => ns.every((n) => n.status === "online"), 30_000)
          const again = yield* client.tasks.submit({
            payload: spec(["true"], { targets: ["doomed"], container: "NULL", cores: 0.5 })
          })
          const [ran] = yield* waitAllFinal(client, again.taskIds)
          expect(ran).toMatchObject({ status: "completed", node: "doomed" })
        })
      ),
    180_000
  )
})
