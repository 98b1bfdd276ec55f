/**
 * A free TCP port on a loopback or bind address, found by listening on port 0.
 *
 * @since 0.1.0
 */
import * as net from "node:net"
import * as Effect from "effect/Effect"

/**
 * Asks the OS for a port that is free right now on `host`.
 * @category constructors
 */
export const freePort = (host = "127.0.0.1"): Effect.Effect<number, Error> =>
  Effect.async<number, Error>((resume) => {
    const server = net.createServer()
    server.unref()
    server.once("error", (e) => resume(Effect.fail(e)))
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resume(port > 0 ? Effect.succeed(port) : Effect.fail(new Error("no free port"))))
    })
  })
