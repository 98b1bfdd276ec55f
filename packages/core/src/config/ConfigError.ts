/**
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A configuration problem: names the file (or environment variable), the key and what was
 * expected.
 * @category errors
 */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  source: Schema.String,
  key: Schema.optional(Schema.String),
  detail: Schema.String
}) {
  override get message(): string {
    return `config ${this.source}${this.key === undefined ? "" : ` key "${this.key}"`}: ${this.detail}`
  }
}
