/**
 * Drives `fixtures/systemd-executor-main.ts` inside the systemd container through `docker exec -i`:
 * sends it `pause`/`resume`/`kill` lines and reads its JSON events.
 */
import { spawn } from "node:child_process"
import * as readline from "node:readline"
import { Data, type Duration, Effect, Queue, Schema } from "effect"
import { projectRoot } from "./systemdContainer.js"

/** An event line of the fixture. */
export const FixtureEvent = Schema.Struct({
  event: Schema.String,
  unit: Schema.optional(Schema.String),
  units: Schema.optional(Schema.Array(Schema.String)),
  pid: Schema.optional(Schema.Number),
  message: Schema.optional(Schema.String),
  result: Schema.optional(
    Schema.Struct({
      exitCode: Schema.Number,
      signal: Schema.optional(Schema.String),
      oomKilled: Schema.Boolean,
      error: Schema.optional(Schema.String),
      lost: Schema.optional(Schema.Boolean)
    })
  )
})
export type FixtureEvent = typeof FixtureEvent.Type

/** The fixture did not say what the test expected. */
export class FixtureError extends Data.TaggedError("FixtureError")<{ readonly detail: string }> {
  override get message(): string {
    return this.detail
  }
}

/** What the fixture runs. */
export interface FixtureTask {
  readonly taskId: string
  readonly command: ReadonlyArray<string>
  readonly cores: number
  readonly memoryBytes: number | null
  readonly env: Readonly<Record<string, string>>
  readonly sharedDir: string
  /** `recover` re-attaches to the task left running by an earlier fixture. */
  readonly mode?: "run" | "recover"
}

const decodeEvent = Schema.decodeUnknownOption(Schema.parseJson(FixtureEvent))

/** Starts the fixture in the container; it is ended with the scope. */
export const startFixture = (container: string, task: FixtureTask) =>
  Effect.gen(function* () {
    const events = yield* Queue.unbounded<FixtureEvent>()
    const stderr: Array<string> = []
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(
          "docker",
          [
            "exec",
            "-i",
            "-w",
            projectRoot,
            container,
            "node",
            "--import",
            "tsx",
            "packages/runner/test/fixtures/systemd-executor-main.ts",
            JSON.stringify({ ...task, localTempDir: "/tmp" })
          ],
          { stdio: ["pipe", "pipe", "pipe"] }
        )
      ),
      (child) =>
        Effect.sync(() => {
          child.stdin.end()
          if (child.exitCode === null) child.kill("SIGKILL")
        })
    )
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      const event = decodeEvent(line)
      Queue.unsafeOffer(events, event._tag === "Some" ? event.value : { event: "noise", message: line })
    })
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk.toString("utf8")))
    child.once("exit", (code) => Queue.unsafeOffer(events, { event: "fixture-exit", message: String(code) }))

    /** The next event (lines that are not events are skipped). */
    const nextEvent = (timeout: Duration.DurationInput = "60 seconds") =>
      Queue.take(events).pipe(
        Effect.repeat({ while: (e) => e.event === "noise" }),
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () => new FixtureError({ detail: `no event in time; stderr: ${stderr.join("")}` })
        })
      )
    /** The next event, which must be `name`. */
    const expectEvent = (name: string, timeout: Duration.DurationInput = "60 seconds") =>
      nextEvent(timeout).pipe(
        Effect.flatMap((e) =>
          e.event === name
            ? Effect.succeed(e)
            : Effect.fail(
                new FixtureError({
                  detail: `expected ${name}, got ${JSON.stringify(e)}; stderr: ${stderr.join("")}`
                })
              )
        )
      )
    const send = (line: string) => Effect.sync(() => child.stdin.write(`${line}\n`))
    return { nextEvent, expectEvent, send }
  })
