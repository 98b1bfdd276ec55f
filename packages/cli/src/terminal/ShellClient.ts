/**
 * The CLI side of the host terminal: connects to `GET /docker/containers/:env/shell` over a
 * WebSocket (the `ws` package, since Node 20 has no global WebSocket), puts the local terminal in
 * raw mode, forwards keystrokes and size changes, writes the output and returns the shell's exit
 * code. The framing is `TerminalProtocol` of `@hakuriver/sdk`.
 *
 * @since 0.1.0
 */
import { ClientFrame, type ClientMessage, ServerFrame, type TerminalSize } from "@hakuriver/sdk"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import WebSocket from "ws"

/** The shell session could not start or broke. @category errors */
export class ShellError extends Data.TaggedError("ShellError")<{
  readonly message: string
  /** The HTTP status when the host refused the upgrade (401 token, 404 no such env, 409 stopped). */
  readonly status?: number | undefined
}> {}

/** The local terminal the session drives. @category models */
export interface ShellIo {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown }
  readonly stdout: NodeJS.WritableStream & {
    isTTY?: boolean
    columns?: number
    rows?: number
    on(event: "resize", listener: () => void): unknown
    off(event: "resize", listener: () => void): unknown
  }
  readonly stderr: NodeJS.WritableStream
}

/** What {@link runShell} needs. @category models */
export interface ShellOptions {
  /** The WebSocket URL (`ws://host:port/docker/containers/ENV/shell`). */
  readonly url: string
  /** The bearer token; empty for none. */
  readonly token: string
  /** The local terminal; `process.stdin`/`process.stdout`/`process.stderr` by default. */
  readonly io?: ShellIo | undefined
}

const encodeClient = Schema.encodeSync(ClientFrame)
const decodeServer = Schema.decodeUnknownEither(ServerFrame)

const sizeOf = (io: ShellIo): TerminalSize | undefined =>
  io.stdout.isTTY === true && io.stdout.columns !== undefined && io.stdout.rows !== undefined
    ? { cols: Math.max(1, io.stdout.columns), rows: Math.max(1, io.stdout.rows) }
    : undefined

const withSize = (url: string, size: TerminalSize | undefined): string => {
  if (size === undefined) return url
  const u = new URL(url)
  u.searchParams.set("cols", String(size.cols))
  u.searchParams.set("rows", String(size.rows))
  return u.href
}

/** Raw mode for the session's lifetime, restored however it ends. */
const rawMode = (io: ShellIo) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const raw = io.stdin.isTTY === true && typeof io.stdin.setRawMode === "function"
      if (raw) io.stdin.setRawMode?.(true)
      return raw
    }),
    (raw) =>
      Effect.sync(() => {
        if (raw) io.stdin.setRawMode?.(false)
      })
  )

/**
 * Runs one interactive session and returns the shell's exit code. Fails with {@link ShellError}
 * when the host refuses the connection (bad token, unknown or stopped env) or the connection
 * drops before the shell ends.
 * @category sessions
 */
export const runShell = (options: ShellOptions): Effect.Effect<number, ShellError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const io: ShellIo = options.io ?? (process as unknown as ShellIo)
      const headers: Record<string, string> =
        options.token === "" ? {} : { authorization: `Bearer ${options.token}` }
      const url = withSize(options.url, sizeOf(io))
      const ws = yield* Effect.acquireRelease(
        Effect.sync(() => new WebSocket(url, { headers, handshakeTimeout: 15_000 })),
        (socket) => Effect.sync(() => socket.terminate())
      )
      yield* rawMode(io)
      return yield* Effect.async<number, ShellError>((resume) => {
        let exitCode: number | undefined
        let failure: ShellError | undefined
        const send = (message: ClientMessage) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(encodeClient(message))
        }
        const onData = (chunk: Buffer | string) => {
          if (ws.readyState === WebSocket.OPEN)
            ws.send(typeof chunk === "string" ? Buffer.from(chunk) : chunk)
        }
        const onResize = () => {
          const size = sizeOf(io)
          if (size !== undefined) send({ type: "resize", ...size })
        }
        // Piped input (no TTY) that ends: type ^D, which ends the remote shell like a closed terminal.
        // A ^D typed while the shell still runs the previous line can be lost when the shell then
        // switches its line editor on, so it is typed again until the session ends.
        let eofTimer: ReturnType<typeof setInterval> | undefined
        const typeEof = () => {
          if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.from([4]))
        }
        const onEnd = () => {
          typeEof()
          eofTimer ??= setInterval(typeEof, 1000)
        }
        const detach = () => {
          if (eofTimer !== undefined) clearInterval(eofTimer)
          io.stdin.off("data", onData)
          io.stdin.off("end", onEnd)
          io.stdout.off("resize", onResize)
          io.stdin.pause()
        }
        ws.on("open", () => {
          io.stdin.on("data", onData)
          io.stdin.on("end", onEnd)
          io.stdin.resume()
          io.stdout.on("resize", onResize)
          onResize()
        })
        ws.on("message", (data: WebSocket.RawData, isBinary: boolean) => {
          const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
          if (isBinary) {
            io.stdout.write(bytes)
            return
          }
          Either.match(decodeServer(bytes.toString("utf8")), {
            onLeft: () => undefined,
            onRight: (message) => {
              if (message.type === "exit") exitCode = message.code
              else failure = new ShellError({ message: message.message })
            }
          })
        })
        ws.on("unexpected-response", (_request, response) => {
          const chunks: Array<Buffer> = []
          response.on("data", (chunk: Buffer) => chunks.push(chunk))
          response.on("end", () => {
            detach()
            resume(
              Effect.fail(
                new ShellError({ message: refusal(response.statusCode, chunks), status: response.statusCode })
              )
            )
          })
        })
        ws.on("error", (error) => {
          failure ??= new ShellError({
            message: `cannot reach the host terminal at ${options.url}: ${error.message}`
          })
        })
        ws.on("close", () => {
          detach()
          if (exitCode !== undefined) resume(Effect.succeed(exitCode))
          else
            resume(
              Effect.fail(
                failure ?? new ShellError({ message: "the connection closed before the shell ended" })
              )
            )
        })
        return Effect.sync(detach)
      })
    })
  ).pipe(Effect.withSpan("ShellClient.run"))

/** A one-line reason from the host's refusal of the upgrade. */
const refusal = (status: number | undefined, chunks: ReadonlyArray<Buffer>): string => {
  const body = Buffer.concat(chunks).toString("utf8")
  let detail = body.trim()
  try {
    const parsed: unknown = JSON.parse(body)
    if (
      typeof parsed === "object" &&
      parsed !== null &&
      "message" in parsed &&
      typeof parsed.message === "string"
    )
      detail = parsed.message
  } catch {
    // not JSON: keep the text
  }
  const what =
    status === 401 ? "the host refused the token" : `the host refused the terminal (HTTP ${status ?? "?"})`
  return detail === "" ? what : `${what}: ${detail}`
}
