/**
 * Properties of the security pieces without a server: the loopback test of the exposure
 * warning, and the client mount policy (prefix boundaries, normalisation, links, admin mounts).
 */
import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Option } from "effect"
import { Exposure } from "@hakuriver/sdk"
import { MountPolicy } from "../src/security/index.js"
import { testConfig } from "./support/harness.js"

const segment = fc.stringMatching(/^[a-z0-9_-]{1,8}$/)

describe("exposure warning", () => {
  it("loopback addresses never warn; other addresses warn only without a token", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (a, b) => {
        expect(Exposure.isLoopback(`127.${a}.${b}.1`)).toBe(true)
        expect(Exposure.exposureWarning("host", `127.${a}.${b}.1`, "")).toEqual(Option.none())
      })
    )
    for (const ip of ["::1", "[::1]", "localhost", "LOCALHOST"]) expect(Exposure.isLoopback(ip)).toBe(true)
    fc.assert(
      fc.property(
        fc.ipV4().filter((ip) => !ip.startsWith("127.")),
        (ip) => {
          expect(Option.isSome(Exposure.exposureWarning("host", ip, ""))).toBe(true)
          expect(Exposure.exposureWarning("host", ip, "t")).toEqual(Option.none())
        }
      )
    )
    for (const ip of ["0.0.0.0", "::", "128.0.0.1", "10.0.0.1"]) expect(Exposure.isLoopback(ip)).toBe(false)
  })
})

describe("mount policy", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hakuriver-policy-"))
  const config = testConfig(dir, { security: { allowed_mount_prefixes: ["/data/projects"] } })
  const shared = config.paths.shared_dir

  it("allows exactly the paths at or below an allowed prefix, never a sibling sharing its start", () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 4 }), segment, (below, sibling) => {
        for (const prefix of [shared, config.paths.local_temp_dir, "/data/projects"]) {
          expect(MountPolicy.mountAllowed(config, path.posix.join(prefix, ...below))).toBe(true)
          expect(MountPolicy.mountAllowed(config, `${prefix}${sibling}`)).toBe(false)
        }
        expect(MountPolicy.mountAllowed(config, path.posix.join("/etc", ...below))).toBe(false)
        expect(MountPolicy.mountAllowed(config, path.posix.join(shared, "..", ...below, "x"))).toBe(
          path.posix.join(shared, "..", ...below, "x").startsWith(`${shared}/`)
        )
      })
    )
    expect(MountPolicy.mountAllowed(config, "/")).toBe(false)
    expect(MountPolicy.mountAllowed(config, "relative/path")).toBe(false)
  })

  it("resolves links: a link inside the shared dir to / is refused", () => {
    fs.mkdirSync(shared, { recursive: true })
    fs.symlinkSync("/", path.join(shared, "root-link"))
    expect(MountPolicy.mountAllowed(config, path.join(shared, "root-link"))).toBe(false)
    expect(MountPolicy.mountAllowed(config, path.join(shared, "root-link", "etc"))).toBe(false)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it("admin mounts (no client mounts) pass; privileged only when allowed", () => {
    const strict = testConfig(dir, {
      security: { allow_privileged: false },
      docker: { additional_mounts: ["/:/host"] }
    })
    expect(MountPolicy.refusal(strict, { privileged: false, clientMounts: undefined })).toEqual(Option.none())
    expect(Option.isSome(MountPolicy.refusal(strict, { privileged: true, clientMounts: undefined }))).toBe(
      true
    )
    expect(Option.isSome(MountPolicy.refusal(strict, { privileged: false, clientMounts: ["/:/host"] }))).toBe(
      true
    )
    const open = testConfig(dir, { security: { allowed_mount_prefixes: ["/"] } })
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 4 }), (parts) => {
        const mount = `${path.posix.join("/", ...parts)}:/x`
        expect(MountPolicy.refusal(open, { privileged: true, clientMounts: [mount] })).toEqual(Option.none())
      })
    )
  })
})
