/**
 * The HTTP contract: HostApi and RunnerApi, their bodies, errors and security.
 *
 * @since 0.1.0
 */
export * from "./AuthorizationLive.js"
export * from "./clusterServer.js"
export * from "./errors.js"
export * from "./HostApi.js"
export * from "./models.js"
export * from "./RunnerApi.js"
export * from "./routeNotFound.js"
export * from "./security.js"
export * from "./statusReports.js"
export * from "./TerminalProtocol.js"
export * from "./serverTracing.js"
export * as SpanFile from "./SpanFile.js"
