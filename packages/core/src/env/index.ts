/**
 * Packaged environments: the shared tarball folder and the runner-side image sync.
 *
 * @since 0.1.0
 */
export * as EnvSync from "./EnvSync.js"
export * as TarballStore from "./TarballStore.js"
