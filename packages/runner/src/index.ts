/**
 * `@hakuriver/runner`: the agent on every compute node. `Runner.layer(config)` serves the
 * `RunnerApi`, registers with the host, sends heartbeats and runs tasks through the executors.
 *
 * @since 0.1.0
 */
export * as ActiveTasks from "./ActiveTasks.js"
export * as ExecutorChoice from "./executorChoice.js"
export * as HostClient from "./HostClient.js"
export * as HostLink from "./HostLink.js"
export * as Probe from "./probe/Probe.js"
export * as Runner from "./Runner.js"
export * as RunnerExecutors from "./RunnerExecutors.js"
export * as RunnerHttp from "./RunnerHttp.js"
export * as RunnerIdentity from "./RunnerIdentity.js"
export * as StatusOutbox from "./StatusOutbox.js"
export * as TaskOutcome from "./taskOutcome.js"
export * as TaskSupervisor from "./TaskSupervisor.js"
