/**
 * `@hakuriver/host`: the HakuRiver host as a library.
 *
 * @since 0.1.0
 */
export * from "./dashboard/index.js"
export * as Dispatcher from "./Dispatcher.js"
export * from "./env/index.js"
export * as Host from "./Host.js"
export * as HostConfig from "./HostConfig.js"
export * as Logs from "./Logs.js"
export * as NodeMonitor from "./NodeMonitor.js"
export * as Placer from "./Placer.js"
export * as ReadsFirst from "./ReadsFirst.js"
export * as Scheduler from "./Scheduler.js"
export * from "./security/index.js"
export * as Store from "./Store.js"
export * as Submission from "./Submission.js"
export * as TaskEvents from "./TaskEvents.js"
export * as Terminal from "./terminal/index.js"
export * as Waiter from "./Waiter.js"
