/**
 * The framing of the host's terminal WebSocket (`GET /docker/containers/:env/shell`), shared by
 * the host, the CLI and the dashboard.
 *
 * - client → host: a **binary** frame is raw stdin bytes; a **text** frame is one JSON control
 *   message: `{"type":"resize","cols":120,"rows":40}` or `{"type":"stdin","data":"ls\n"}` (text
 *   input, handy for browsers).
 * - host → client: a **binary** frame is raw terminal output; a **text** frame is one JSON
 *   control message: `{"type":"exit","code":0}` when the shell ended (the host then closes the
 *   socket with code 1000) or `{"type":"error","message":"..."}` when the session could not start
 *   or broke (the host then closes with code 1011).
 *
 * The URL takes the bearer token as `Authorization: Bearer TOKEN` or, for browsers that cannot
 * set headers on a WebSocket, as `?token=TOKEN`; `?cols=N&rows=N` give the initial size.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** A terminal size in character cells. @category models */
export const TerminalSize = Schema.Struct({
  cols: Schema.Int.pipe(Schema.between(1, 10_000)),
  rows: Schema.Int.pipe(Schema.between(1, 10_000))
})
/** @category models */
export type TerminalSize = typeof TerminalSize.Type

/** client → host: the terminal changed size. @category models */
export const ResizeMessage = Schema.Struct({
  type: Schema.Literal("resize"),
  cols: TerminalSize.fields.cols,
  rows: TerminalSize.fields.rows
})

/** client → host: input as text (binary frames carry input as bytes). @category models */
export const StdinMessage = Schema.Struct({ type: Schema.Literal("stdin"), data: Schema.String })

/** A control message from the client, as carried in a text frame. @category models */
export const ClientMessage = Schema.Union(ResizeMessage, StdinMessage)
/** @category models */
export type ClientMessage = typeof ClientMessage.Type

/** host → client: the shell ended with this exit code. @category models */
export const ExitMessage = Schema.Struct({ type: Schema.Literal("exit"), code: Schema.Int })

/** host → client: the session failed; the socket closes after it. @category models */
export const ErrorMessage = Schema.Struct({ type: Schema.Literal("error"), message: Schema.String })

/** A control message from the host, as carried in a text frame. @category models */
export const ServerMessage = Schema.Union(ExitMessage, ErrorMessage)
/** @category models */
export type ServerMessage = typeof ServerMessage.Type

/** Decodes/encodes a client text frame. @category codecs */
export const ClientFrame = Schema.parseJson(ClientMessage)

/** Decodes/encodes a host text frame. @category codecs */
export const ServerFrame = Schema.parseJson(ServerMessage)

/**
 * The terminal's path for an environment (relative to the host's base URL).
 * @category constructors
 */
export const terminalPath = (env: string): string => `/docker/containers/${encodeURIComponent(env)}/shell`
