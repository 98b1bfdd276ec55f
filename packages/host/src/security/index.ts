/**
 * The host's security pieces: request body limit and task policy (the exposure warning is
 * `Exposure` of @hakuriver/sdk, shared with the runner).
 *
 * @since 0.1.0
 */
export * as RequestBody from "./RequestBody.js"
export * as MountPolicy from "./MountPolicy.js"
