/**
 * The domain of HakuRiver: identifiers, targets, sizes, task specs and statuses, node info.
 *
 * @since 0.1.0
 */
export * from "./EnvName.js"
export * from "./Heartbeat.js"
export * from "./ids.js"
export * from "./InvalidInput.js"
export * from "./Memory.js"
export * from "./Node.js"
export * from "./Target.js"
export * from "./Task.js"
export * from "./TaskSpec.js"
export * from "./TaskStatus.js"
export * from "./Tarball.js"
