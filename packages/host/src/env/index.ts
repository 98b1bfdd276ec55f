/**
 * Docker environments on the host: the env manager, the `docker` API group, the host-start
 * bootstrap of the default environment, and the Docker connection they share.
 *
 * @since 0.1.0
 */
export * from "./DockerHttp.js"
export * from "./EnvBootstrap.js"
export * as EnvManager from "./EnvManager.js"
export * as HostDocker from "./HostDocker.js"
