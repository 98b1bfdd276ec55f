/**
 * The host's security pieces: request body limit, task policy, exposure warning.
 *
 * @since 0.1.0
 */
export * as RequestBody from "./RequestBody.js"
export * as Exposure from "./Exposure.js"
export * as MountPolicy from "./MountPolicy.js"
