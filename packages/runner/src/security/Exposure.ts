/**
 * The runner's startup warning for listening beyond loopback without a token.
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"

/**
 * Whether a bind address only reaches this machine (`127.x.x.x`, `::1`, `localhost`).
 * @category security
 */
export const isLoopback = (bindIp: string): boolean => {
  const ip = bindIp
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
  return (
    ip === "localhost" ||
    ip === "::1" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip) ||
    /^::ffff:127\./.test(ip)
  )
}

/**
 * Logs one warning when the runner listens on a non-loopback address without a token: anyone
 * who reaches the port could then start tasks on this node.
 * @category layers
 */
export const warnLayer = (bindIp: string, token: string): Layer.Layer<never> =>
  Layer.effectDiscard(
    token !== "" || isLoopback(bindIp)
      ? Effect.void
      : Effect.logWarning(
          `SECURITY WARNING: the runner listens on ${bindIp} without a token: anyone who can reach it can run commands on this node. Set [security] token (the same as the host's) or bind to 127.0.0.1.`
        )
  )
