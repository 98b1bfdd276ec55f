/**
 * Errors of the HTTP contract. Each is a `Schema.TaggedError` annotated with its HTTP status, so
 * the server encodes it and the client decodes it back into the same typed value.
 *
 * @since 0.1.0
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as Schema from "effect/Schema"

/**
 * The request is invalid: a bad target, a request larger than the node, an unknown field.
 * @category errors
 */
export class BadRequest extends Schema.TaggedError<BadRequest>()(
  "BadRequest",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {}

/** @category errors */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 401 })
) {}

/** A task, node, container or tarball that does not exist. @category errors */
export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {}

/**
 * The host does not know this runner (it lost its database, or never saw it): register again.
 * @category errors
 */
export class UnknownNode extends Schema.TaggedError<UnknownNode>()(
  "UnknownNode",
  { node: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {}

/**
 * The request does not fit the current state: pausing a finished task, creating an env that
 * exists, a status move the state machine forbids.
 * @category errors
 */
export class Conflict extends Schema.TaggedError<Conflict>()(
  "Conflict",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 409 })
) {}

/**
 * A dependency of the request is not available: a runner that cannot be reached, a Docker engine
 * that does not answer.
 * @category errors
 */
export class Unavailable extends Schema.TaggedError<Unavailable>()(
  "Unavailable",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 503 })
) {}
