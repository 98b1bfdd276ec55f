/**
 * The host terminal: a WebSocket route running an interactive shell in an env container.
 *
 * @since 0.1.0
 */
export * from "./ShellSession.js"
export * from "./TerminalRoute.js"
