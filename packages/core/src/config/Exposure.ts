/**
 * The startup warning of a host or runner that listens beyond loopback without a token.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

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

const reach = {
  host: { what: "this cluster", token: "(hakuriver init config --generate-token)" },
  runner: { what: "this node", token: "(the same as the host's)" }
} as const

/**
 * The warning for the `role` server bound to `bindIp` with `token` ("" = none): present when
 * there is no token and the address is not loopback.
 * @category security
 */
export const exposureWarning = (
  role: keyof typeof reach,
  bindIp: string,
  token: string
): Option.Option<string> =>
  token !== "" || isLoopback(bindIp)
    ? Option.none()
    : Option.some(
        `SECURITY WARNING: the ${role} listens on ${bindIp} without a token: anyone who can reach it can run commands on ${reach[role].what}. Set [security] token ${reach[role].token} or bind to 127.0.0.1.`
      )

/**
 * Logs {@link exposureWarning} once, as a warning, when the layer is built.
 * @category layers
 */
export const warnLayer = (role: keyof typeof reach, bindIp: string, token: string): Layer.Layer<never> =>
  Layer.effectDiscard(
    Option.match(exposureWarning(role, bindIp, token), {
      onNone: () => Effect.void,
      onSome: (line) => Effect.logWarning(line)
    })
  )
