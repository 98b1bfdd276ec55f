/**
 * Configuration: schema, defaults, loading and rendering.
 *
 * @since 0.1.0
 */
export * from "./ConfigError.js"
export * as Exposure from "./Exposure.js"
export * from "./load.js"
export * from "./render.js"
export * from "./schema.js"
