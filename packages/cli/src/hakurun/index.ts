/**
 * `hakurun`: local parameter sweeps.
 *
 * @since 0.1.0
 */
export * from "./formatCommand.js"
export * from "./HakurunArgs.js"
export * from "./hakurun.js"
export * from "./ModuleTarget.js"
