/**
 * `@hakuriver/sdk`: the HakuRiver library. Domain types, the HTTP contract, configuration,
 * sweeps and the client.
 *
 * @since 0.1.0
 */
export * from "./api/index.js"
export * from "./config/index.js"
export * from "./domain/index.js"
export * as Sweep from "./sweep/index.js"
export * as DockerEnvs from "./client/docker.js"
export * from "./client/index.js"
