/**
 * Idle connections: the host and the runner keep a connection open across heartbeats. Node's
 * default idle timeout (5 s) equals the default heartbeat interval, so every heartbeat of every
 * runner (and every task sent to a runner after a pause) used to open a new TCP connection.
 */
import { describe, expect, it } from "@effect/vitest"
import { keepAliveSeconds } from "@hakuriver/sdk"
import { Agent, request } from "node:http"
import { Effect } from "effect"
import { startCluster, token } from "./securityCluster.js"
import { tempDir } from "./support/harness.js"

interface Answer {
  readonly status: number
  readonly keepAlive: string | Array<string> | undefined
  readonly reusedSocket: boolean
}

/** A GET through `agent` (which keeps its sockets), noting whether the socket was reused. */
const get = (agent: Agent, url: string) =>
  Effect.async<Answer, Error>((resume) => {
    const req = request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume()
      res.on("end", () =>
        resume(
          Effect.succeed({
            status: res.statusCode ?? 0,
            keepAlive: res.headers["keep-alive"],
            reusedSocket: req.reusedSocket
          })
        )
      )
    })
    req.on("error", (e) => resume(Effect.fail(e)))
    req.end()
  })

describe("keep-alive", () => {
  it("is three heartbeat intervals, and at least 65 s", () => {
    expect(keepAliveSeconds({ timing: { heartbeat_interval: 5 } })).toBe(65)
    expect(keepAliveSeconds({ timing: { heartbeat_interval: 30 } })).toBe(90)
    expect(keepAliveSeconds({ timing: { heartbeat_interval: 0.2 } })).toBe(65)
  })

  it.live(
    "host and runner announce a long keep-alive and keep an idle connection past 5 s",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          const { url, runnerUrl, config } = yield* startCluster(dir, { timing: { heartbeat_interval: 5 } })
          const seconds = keepAliveSeconds(config)
          expect(seconds).toBeGreaterThanOrEqual(65)
          const agent = yield* Effect.acquireRelease(
            Effect.sync(() => new Agent({ keepAlive: true, maxSockets: 1 })),
            (a) => Effect.sync(() => a.destroy())
          )
          const both = Effect.all([get(agent, `${url}/health`), get(agent, `${runnerUrl}/ping`)])
          const first = yield* both
          for (const answer of first) {
            expect(answer.status).toBe(200)
            expect(answer.keepAlive).toBe(`timeout=${seconds}`)
            expect(answer.reusedSocket).toBe(false)
          }
          // longer than Node's default idle timeout (5 s) and the default heartbeat interval
          yield* Effect.sleep("5500 millis")
          const second = yield* both
          expect(second.map((a) => [a.status, a.reusedSocket])).toEqual([
            [200, true],
            [200, true]
          ])
        })
      ),
    30_000
  )
})
