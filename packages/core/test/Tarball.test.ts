import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { formatTarballName, imageTag, parseEnvName, parseTarballName } from "../src/domain/index.js"

const reason = (result: Either.Either<unknown, { readonly message: string }>) =>
  Either.isLeft(result) ? result.left.message : "parsed"

/** Valid env names: lower-case letters, digits, '.', '_', '-', no "..", at most 64 characters. */
const envName = fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,63}$/).filter((s) => !s.includes(".."))

describe("tarball names", () => {
  it("parses ENV-UNIXSECONDS.tar, with dashes in the env name", () => {
    const t = Either.getOrThrow(parseTarballName("hakuriver-base-1732550000.tar"))
    expect(t.env).toBe("hakuriver-base")
    expect(t.timestamp).toBe(1732550000)
  })

  it("round-trips format and parse", () => {
    fc.assert(
      fc.property(envName, fc.nat(), (env, timestamp) => {
        const name = formatTarballName({ env, timestamp })
        const parsed = Either.getOrThrow(parseTarballName(name))
        expect({ env: parsed.env, timestamp: parsed.timestamp }).toEqual({ env, timestamp })
        expect(formatTarballName(parsed)).toBe(name)
      })
    )
  })

  it("explains bad names", () => {
    expect(reason(parseTarballName("torch-1.tar.gz"))).toBe(
      'invalid tarball name "torch-1.tar.gz": must end in .tar'
    )
    expect(reason(parseTarballName("torch.tar"))).toBe(
      'invalid tarball name "torch.tar": expected ENV-UNIXSECONDS.tar'
    )
    expect(reason(parseTarballName("torch-12x.tar"))).toBe(
      'invalid tarball name "torch-12x.tar": the timestamp must be whole unix seconds'
    )
    expect(reason(parseTarballName("Torch-12.tar"))).toMatch(
      /^invalid environment name "Torch": use lower-case/
    )
  })

  it("never accepts a file that is not ENV-DIGITS.tar", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const parsed = parseTarballName(s)
        if (Either.isRight(parsed)) expect(s).toMatch(/^[a-z0-9][a-z0-9_.-]*-(0|[1-9][0-9]*)\.tar$/)
      })
    )
  })
})

describe("environment names", () => {
  it("accepts names that are safe paths and image tags", () => {
    expect(imageTag(Either.getOrThrow(parseEnvName("torch")))).toBe("hakuriver/torch:base")
  })

  it("refuses traversal, spaces, upper case and empty names", () => {
    expect(reason(parseEnvName(""))).toBe('invalid environment name "": must not be empty')
    expect(reason(parseEnvName("a..b"))).toBe(`invalid environment name "a..b": must not contain '..'`)
    expect(reason(parseEnvName("../etc"))).toMatch(/^invalid environment name "..\/etc": /)
    expect(reason(parseEnvName("my env"))).toMatch(/use lower-case letters/)
    expect(reason(parseEnvName("Torch"))).toMatch(/use lower-case letters/)
    expect(reason(parseEnvName("a".repeat(65)))).toMatch(/must be at most 64 characters/)
  })

  it("never accepts a name with a slash, space or upper-case letter", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        if (Either.isRight(parseEnvName(s))) expect(s).not.toMatch(/[/\sA-Z]|\.\./)
      })
    )
  })
})
