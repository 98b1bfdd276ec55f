/**
 * The submit form's command splitting (packages/dashboard-ui/app/argv.ts): what the user types
 * becomes the argument array the host receives, with shell-like quoting but no shell.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { joinArgs, splitArgs } from "../../dashboard-ui/app/argv.js"

describe("dashboard command splitting", () => {
  it("splits words, honours quotes and escapes", () => {
    expect(splitArgs(`python train.py --lr 0.1`)).toEqual({ args: ["python", "train.py", "--lr", "0.1"] })
    expect(splitArgs(`sh -c "echo \\"hi\\" \\$HOME; ls"`)).toEqual({
      args: ["sh", "-c", `echo "hi" $HOME; ls`]
    })
    expect(splitArgs(`echo 'a b'  c\\ d ''`)).toEqual({ args: ["echo", "a b", "c d", ""] })
    expect(splitArgs(`  `)).toEqual({ args: [] })
  })

  it("reports an unterminated quote", () => {
    expect(splitArgs(`echo "oops`)).toEqual({ error: "unterminated double quote" })
    expect(splitArgs(`echo 'oops`)).toEqual({ error: "unterminated single quote" })
  })

  it("joinArgs shows an argument array that splits back to the same array", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: "binary" }).filter((s) => !s.includes("\0")),
          { maxLength: 8 }
        ),
        (args) => {
          expect(splitArgs(joinArgs(args))).toEqual({ args })
        }
      )
    )
  })
})
