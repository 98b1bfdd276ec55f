/**
 * One terminal session: a `docker exec` with a TTY into an env container (bash, else sh) joined
 * to an upgraded WebSocket with the `TerminalProtocol` framing. Input frames go to the shell,
 * output goes back as binary frames, resizes reach the TTY, and the exit code ends the session.
 *
 * @since 0.1.0
 */
import * as Socket from "@effect/platform/Socket"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { ClientFrame, ServerFrame, type ServerMessage, type TerminalSize } from "@hakuriver/sdk"
import type Docker from "dockerode"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { Duplex } from "node:stream"

/** The session broke (exec failed, the engine went away). @category errors */
export class ShellSessionError extends Data.TaggedError("ShellSessionError")<{ readonly message: string }> {}

/**
 * The shell run in the container: bash when the image has it, else sh.
 * @category constants
 */
export const shellCommand: ReadonlyArray<string> = [
  "/bin/sh",
  "-c",
  "if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi"
]

const encodeServer = Schema.encodeSync(ServerFrame)
const decodeClient = Schema.decodeUnknownEither(ClientFrame)

const call = <A>(what: string, f: () => Promise<A>) =>
  Effect.tryPromise({
    try: f,
    catch: (cause) =>
      new ShellSessionError({ message: `${what}: ${cause instanceof Error ? cause.message : String(cause)}` })
  })

/** The exec's exit code, once Docker has recorded that it ended. */
const exitCodeOf = (exec: Docker.Exec) =>
  call("inspect exec", () => exec.inspect()).pipe(
    Effect.flatMap((info) =>
      info.Running
        ? Effect.fail(new ShellSessionError({ message: "still running" }))
        : Effect.succeed(info.ExitCode ?? 0)
    ),
    Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.compose(Schedule.recurs(60))))
  )

/**
 * Ends the shell when the client went away first: closing stdin is not enough for a TTY, so the
 * exec's process gets SIGHUP (as a closing terminal would send) when the engine is local.
 */
const hangUp = (exec: Docker.Exec, stream: Duplex) =>
  Effect.gen(function* () {
    yield* Effect.sync(() => stream.end())
    const info = yield* call("inspect exec", () => exec.inspect())
    if (info.Running && typeof info.Pid === "number" && info.Pid > 0) {
      yield* Effect.try(() => process.kill(info.Pid, "SIGHUP")).pipe(Effect.ignore)
    }
    yield* Effect.sync(() => stream.destroy())
  }).pipe(Effect.ignore)

/**
 * Runs a session over an upgraded socket until the shell exits (the client gets
 * `{"type":"exit","code":N}` and a normal close) or the client disconnects (the shell is hung up).
 * @category sessions
 */
export const runSession = (
  container: Docker.Container,
  socket: Socket.Socket,
  size: TerminalSize | undefined
): Effect.Effect<void, ShellSessionError | Socket.SocketError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const write = yield* socket.writer
      const sendControl = (message: ServerMessage) => write(encodeServer(message))
      const exec = yield* call("create exec", () =>
        container.exec({
          Cmd: [...shellCommand],
          AttachStdin: true,
          AttachStdout: true,
          AttachStderr: true,
          Tty: true,
          Env: ["TERM=xterm-256color"],
          ...(size === undefined ? {} : { ConsoleSize: [size.rows, size.cols] as [number, number] })
        })
      )
      const stream = yield* Effect.acquireRelease(
        call("start exec", () => exec.start({ hijack: true, stdin: true, Tty: true })).pipe(
          Effect.map((s) => s as unknown as Duplex)
        ),
        (s) => hangUp(exec, s)
      )
      const resize = (next: TerminalSize) =>
        call("resize", () => exec.resize({ h: next.rows, w: next.cols })).pipe(Effect.ignore)
      if (size !== undefined) yield* resize(size)

      // Frames are handled one at a time, in order, so a resize lands before the input after it.
      const frames = yield* Queue.unbounded<string | Uint8Array>()
      const handle = (data: string | Uint8Array): Effect.Effect<void> => {
        if (typeof data !== "string") return Effect.sync(() => void stream.write(data))
        return Either.match(decodeClient(data), {
          onLeft: () => Effect.void,
          onRight: (message) =>
            message.type === "stdin" ? Effect.sync(() => void stream.write(message.data)) : resize(message)
        })
      }
      yield* Queue.take(frames).pipe(Effect.flatMap(handle), Effect.forever, Effect.forkScoped)
      const input = socket.runRaw((data) => {
        Queue.unsafeOffer(frames, data)
      })
      const output = NodeStream.fromReadable<ShellSessionError>(
        () => stream,
        (cause) => new ShellSessionError({ message: `terminal stream: ${String(cause)}` }),
        { closeOnDone: false }
      ).pipe(
        Stream.runForEach((chunk) => write(chunk)),
        Effect.zipRight(exitCodeOf(exec)),
        Effect.flatMap((code) => sendControl({ type: "exit", code })),
        Effect.zipRight(write(new Socket.CloseEvent(1000, "shell exited")))
      )
      yield* Effect.raceFirst(output, input)
    })
  ).pipe(Effect.withSpan("Terminal.session"))
