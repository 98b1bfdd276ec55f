/**
 * The `node:http` server behind the host and each runner, keeping idle connections open across
 * heartbeats. With Node's default (5 s, the default heartbeat interval) and undici closing its end
 * 2 s before the timeout a server announces, every heartbeat of every runner, and every task sent
 * to a runner after a pause, opened a new TCP connection.
 *
 * @since 0.1.0
 */
import { createServer, type Server } from "node:http"
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
  return server
}
