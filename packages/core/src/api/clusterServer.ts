/**
 * The `node:http` server behind the host and each runner: it keeps idle connections open across
 * heartbeats, and holds requests that arrive before the application serves.
 *
 * With Node's default idle timeout (5 s, the default heartbeat interval) and undici closing its
 * end 2 s before the timeout a server announces, every heartbeat of every runner, and every task
 * sent to a runner after a pause, opened a new TCP connection.
 *
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { HakuRiverConfig } from "../config/schema.js"

/** The part of the configuration the keep-alive depends on. @category models */
export interface HeartbeatTiming {
  readonly timing: Pick<HakuRiverConfig["timing"], "heartbeat_interval">
}

/**
 * How long (seconds) a cluster server keeps an idle connection: three heartbeat intervals, and
 * at least 65 s (longer than the idle timeouts of common proxies, so a proxy closes first).
 * @category constructors
 */
export const keepAliveSeconds = (config: HeartbeatTiming): number =>
  Math.max(65, Math.ceil(3 * config.timing.heartbeat_interval))

/**
 * A `node:http` server for `NodeHttpServer.layer`, announcing `Keep-Alive: timeout=N` with
 * `N = keepAliveSeconds(config)`.
 * @category constructors
 */
export const clusterServer = (config: HeartbeatTiming) => (): Server => {
  const server = createServer()
  server.keepAliveTimeout = keepAliveSeconds(config) * 1000
  holdEarlyRequests(server)
  return server
}

/**
 * Requests that arrive after the server listens and before the application attaches its handler
 * (`NodeHttpServer.layer` listens when it is built; `HttpServer.serve` attaches the handler once
 * the rest of the host or runner is built) wait for that handler. Node drops a request nobody
 * listens for, so a client that connected early waited forever.
 */
const holdEarlyRequests = (server: Server): void => {
  const held: Array<readonly [IncomingMessage, ServerResponse]> = []
  const hold = (request: IncomingMessage, response: ServerResponse) => {
    held.push([request, response])
  }
  const onNewListener = (event: string | symbol, listener: unknown) => {
    if (event !== "request" || listener === hold) return
    server.off("request", hold)
    server.off("newListener", onNewListener)
    // the new listener is added after this event: hand it the held requests once it is
    process.nextTick(() => {
      for (const [request, response] of held.splice(0)) server.emit("request", request, response)
    })
  }
  server.on("request", hold)
  server.on("newListener", onNewListener)
}
