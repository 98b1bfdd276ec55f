/**
 * `@hakuriver/sdk/executor`: the executor contract and its Docker, systemd and process
 * implementations. Kept apart from the main entry so a client script never loads dockerode.
 *
 * @since 0.1.0
 */
export * from "./Executor.js"
export * as ProcessExecutor from "./process/ProcessExecutor.js"
export * as DockerEngine from "./docker/DockerEngine.js"
export * as DockerExecutor from "./docker/DockerExecutor.js"
export * from "../env/index.js"
export * as SystemdExecutor from "./systemd/SystemdExecutor.js"
export { loadDockerode } from "./docker/loadDockerode.js"
