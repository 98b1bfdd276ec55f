/**
 * Helpers that turn a domain parse function into a Schema, so that every boundary (HTTP, config,
 * CLI) reports the same message as the parser.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { InvalidInput } from "./InvalidInput.js"

/** @internal */
export const fromParser = <A, I extends string = string, From = unknown>(
  to: Schema.Schema<A, From>,
  parse: (input: string) => Either.Either<A, InvalidInput>,
  format: (value: A) => I
) =>
  Schema.transformOrFail(Schema.String, Schema.typeSchema(to), {
    strict: true,
    decode: (input, _, ast) =>
      Either.match(parse(input), {
        onLeft: (e) => ParseResult.fail(new ParseResult.Type(ast, input, e.message)),
        onRight: (a) => ParseResult.succeed(a)
      }),
    encode: (value) => ParseResult.succeed(format(value))
  })

/** Whether `s` is a base-10 non-negative integer without sign, spaces or leading zeros. */
export const isNatural = (s: string): boolean =>
  /^(0|[1-9][0-9]*)$/.test(s) && Number.isSafeInteger(Number(s))
