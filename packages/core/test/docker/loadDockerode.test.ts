import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { dockerAnswers } from "./dockerKit.js"

const fixture = fileURLToPath(new URL("./fixtures/dockerodeModules.ts", import.meta.url))
const ci = process.env["CI"] === "true"

describe("loadDockerode", () => {
  it("loads SSH and gRPC only when they are used, and they work then", () => {
    const out = execFileSync(process.execPath, ["--no-deprecation", "--import", "tsx", fixture], {
      encoding: "utf8",
      timeout: 60_000
    })
    const seen = JSON.parse(out.trim().split("\n").pop() ?? "{}") as {
      pinged: boolean
      afterCall: Array<string>
      sshError: string
      sessionError: string
      afterUse: Array<string>
    }
    // an engine call (answered where Docker runs, CI included) loads neither stack
    if (dockerAnswers || ci) expect(seen.pinged).toBe(true)
    expect(seen.afterCall).toEqual([])
    // each deferred file, once called, is the real one: ssh2 dials, the session dials the modem
    expect(seen.sshError).toMatch(/ECONNREFUSED/)
    expect(seen.sessionError).toBe("no engine here")
    expect(seen.afterUse).toEqual(["@grpc/grpc-js", "protobufjs", "ssh2"])
  })
})
