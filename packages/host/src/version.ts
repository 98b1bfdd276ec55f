/**
 * The host's version, as `GET /ping` reports it.
 *
 * @since 0.1.0
 */

/** @category constants */
export const version = "0.1.0"
