/**
 * The host terminal WebSocket against the real engine: a shell in an env container, resize,
 * exit code, token checks (header and `?token=`), and refusals before the upgrade.
 */
import { DockerEnvs, type ServerMessage, terminalPath } from "@hakuriver/sdk"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import WebSocket from "ws"
import {
  baseUrl,
  clientFor,
  configFor,
  envsOfFile,
  execIn,
  runDockerTests,
  serverLayer,
  tempDir,
  testImage
} from "./envHarness.js"

const token = "terminal-test-token"
const dir = tempDir()
const config = configFor(dir, {}, token)
const env = envsOfFile(dir, "s")

interface Session {
  readonly output: string
  readonly controls: ReadonlyArray<ServerMessage>
  readonly closeCode: number
}

/**
 * Opens the terminal, sends `steps` (each after the output contains its `after` text, if any) and
 * collects everything until the host closes.
 */
const session = (
  url: string,
  options: {
    readonly headers?: Record<string, string>
    readonly steps: ReadonlyArray<{ readonly after?: string; readonly send: string | Buffer }>
  }
) =>
  Effect.async<Session, Error>((resume) => {
    const ws = new WebSocket(url, { headers: options.headers ?? {} })
    let output = ""
    const controls: Array<ServerMessage> = []
    let next = 0
    const pump = () => {
      while (next < options.steps.length) {
        const step = options.steps[next]!
        if (step.after !== undefined && !output.includes(step.after)) return
        ws.send(step.send)
        next++
      }
    }
    ws.on("open", pump)
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        output += data.toString("utf8")
        pump()
      } else controls.push(JSON.parse(data.toString("utf8")) as ServerMessage)
    })
    ws.on("unexpected-response", (_req, res) => resume(Effect.fail(new Error(`HTTP ${res.statusCode}`))))
    ws.on("error", (e) => resume(Effect.fail(e)))
    ws.on("close", (code) => resume(Effect.succeed({ output, controls, closeCode: code })))
    return Effect.sync(() => ws.terminate())
  }).pipe(Effect.timeout("30 seconds"))

/** The HTTP status the host refuses an upgrade with. */
const refusal = (url: string, headers: Record<string, string> = {}) =>
  Effect.async<{ readonly status: number; readonly body: string }, Error>((resume) => {
    const ws = new WebSocket(url, { headers })
    ws.on("unexpected-response", (_req, res) => {
      let body = ""
      res.on("data", (c: Buffer) => (body += c.toString("utf8")))
      res.on("end", () => resume(Effect.succeed({ status: res.statusCode ?? 0, body })))
    })
    ws.on("open", () => resume(Effect.fail(new Error("the upgrade was accepted"))))
    ws.on("error", (e) => resume(Effect.fail(e)))
    return Effect.sync(() => ws.terminate())
  })

const wsUrl = (base: string, name: string, query = "") =>
  `${base.replace(/^http/, "ws")}${terminalPath(name)}${query}`

/** The server's URL, a client with the token, and a fresh env with its container running. */
const envWithContainer = Effect.gen(function* () {
  const base = yield* baseUrl
  const client = yield* clientFor(base, token)
  const name = env()
  const created = yield* DockerEnvs.createContainer(client, testImage, name)
  return { base, name, created }
})

describe.runIf(runDockerTests)("host terminal (real engine)", () => {
  layer(serverLayer(config), { excludeTestServices: true })((it) => {
    it.effect(
      "a shell writes a file, sees resizes and returns its exit code",
      () =>
        Effect.gen(function* () {
          const { base, name, created } = yield* envWithContainer
          const result = yield* session(wsUrl(base, name, "?cols=100&rows=30"), {
            headers: { authorization: `Bearer ${token}` },
            steps: [
              { send: Buffer.from("echo made-in-shell > /from-shell; echo STEP1-$((20+1))\n") },
              { after: "STEP1-21", send: JSON.stringify({ type: "resize", cols: 120, rows: 40 }) },
              { after: "STEP1-21", send: JSON.stringify({ type: "stdin", data: "stty size; exit 7\n" }) }
            ]
          })
          expect(result.output).toContain("STEP1-21")
          expect(result.output).toContain("40 120")
          expect(result.controls).toEqual([{ type: "exit", code: 7 }])
          expect(result.closeCode).toBe(1000)
          const content = yield* execIn(created.containerId, ["cat", "/from-shell"])
          expect(content).toContain("made-in-shell")
        }),
      60_000
    )

    it.effect(
      "the token is required, in the header or as ?token=",
      () =>
        Effect.gen(function* () {
          const { base, name } = yield* envWithContainer
          const none = yield* refusal(wsUrl(base, name))
          expect(none.status).toBe(401)
          const wrong = yield* refusal(wsUrl(base, name), { authorization: "Bearer nope" })
          expect(wrong.status).toBe(401)
          const viaQuery = yield* session(wsUrl(base, name, `?token=${token}`), {
            steps: [{ send: Buffer.from("exit 0\n") }]
          })
          expect(viaQuery.controls).toEqual([{ type: "exit", code: 0 }])
        }),
      60_000
    )

    it.effect(
      "unknown, stopped and invalid envs are refused before the upgrade",
      () =>
        Effect.gen(function* () {
          const base = yield* baseUrl
          const client = yield* clientFor(base, token)
          const auth = { authorization: `Bearer ${token}` }
          const missing = yield* refusal(wsUrl(base, env()), auth)
          expect(missing.status).toBe(404)
          expect(missing.body).toContain("create-container")

          const name = env()
          yield* DockerEnvs.createContainer(client, testImage, name)
          yield* DockerEnvs.stopContainer(client, name)
          const stopped = yield* refusal(wsUrl(base, name), auth)
          expect(stopped.status).toBe(409)
          expect(stopped.body).toContain("start-container")

          const invalid = yield* refusal(wsUrl(base, "A%20B"), auth)
          expect(invalid.status).toBe(400)
          expect(invalid.body).toContain("invalid environment name")
        }),
      60_000
    )

    it.effect(
      "a client that goes away hangs up its shell",
      () =>
        Effect.gen(function* () {
          const { base, name, created } = yield* envWithContainer
          const url = wsUrl(base, name)
          // Start a shell that marks itself, then drop the connection without exiting.
          yield* Effect.async<void, Error>((resume) => {
            const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } })
            ws.on("open", () => ws.send(Buffer.from('echo $$ > /shell-pid; echo RE""ADY\n')))
            ws.on("message", (data: Buffer) => {
              if (data.toString("utf8").includes("READY")) {
                ws.terminate()
                resume(Effect.void)
              }
            })
            ws.on("error", (e) => resume(Effect.fail(e)))
          })
          const alive = () =>
            execIn(created.containerId, [
              "sh",
              "-c",
              'kill -0 "$(cat /shell-pid)" 2>/dev/null && echo ALIVE || echo GONE'
            ]).pipe(Effect.map((text) => (text.includes("GONE") ? "gone" : "alive")))
          const state = yield* alive().pipe(
            Effect.filterOrFail((s) => s === "gone"),
            Effect.retry(Schedule.spaced("100 millis")),
            Effect.timeout("10 seconds"),
            Effect.orElseSucceed(() => "alive")
          )
          expect(state).toBe("gone")
        }),
      60_000
    )
  })
})
