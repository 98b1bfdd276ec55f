/**
 * The runner's version, reported by `GET /ping`.
 *
 * @since 0.1.0
 */

/** @category constants */
export const version = "0.1.0"
