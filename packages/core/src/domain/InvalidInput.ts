/**
 * The one error every domain parser fails with: it names what was being parsed, the input and
 * the reason, so that its message reads well on a terminal and in an HTTP 400 body.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * @category errors
 * @example
 * new InvalidInput({ what: "target", input: "node1:x", reason: "NUMA id must be a non-negative integer" }).message
 * // 'invalid target "node1:x": NUMA id must be a non-negative integer'
 */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  what: Schema.String,
  input: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid ${this.what} ${JSON.stringify(this.input)}: ${this.reason}`
  }
}
