/**
 * The dashboard's Environments page and terminal in a real browser against a host with a real
 * Docker engine: create an environment container from the busybox test image, package it with
 * create-tar (progress shown), and run a command in its terminal (xterm.js over the WebSocket).
 *
 * Needs chromium and Docker: skipped without them, except in CI (CI=true), where it fails.
 */
import { describe, expect, layer } from "@effect/vitest"
import { fromObject } from "@hakuriver/sdk"
import { execFileSync } from "node:child_process"
import * as path from "node:path"
import { Effect, Either, Layer } from "effect"
import { Host } from "../src/index.js"
import { ensureDashboardBuilt, scopedPage, shot, skipBrowserTests } from "./dashboard-support.js"
import { scopedTempDir } from "../../../test/kit/index.js"
import { ensureTestImage, runDockerTests, testImage } from "./envHarness.js"

const token = "dashboard-env-token"
const env = `dash-${process.pid}`

/** Removes what the test made in Docker (the container, and every tag of its image), whatever state it ended in. */
const cleanDocker = () => {
  const quiet = (args: ReadonlyArray<string>): string => {
    try {
      return execFileSync("docker", args, { encoding: "utf8", timeout: 60_000 })
    } catch {
      return "" // already gone
    }
  }
  quiet(["rm", "-f", `hakuriver-env-${env}`])
  const tags = quiet(["images", `hakuriver/${env}`, "--format", "{{.Repository}}:{{.Tag}}"])
  for (const tag of tags.split("\n").filter((t) => t !== "")) quiet(["image", "rm", "-f", tag])
}

class EnvPage extends Effect.Service<EnvPage>()("test/EnvPage", {
  scoped: Effect.gen(function* () {
    yield* Effect.promise(() => ensureDashboardBuilt())
    yield* Effect.sync(() => ensureTestImage())
    yield* Effect.addFinalizer(() => Effect.sync(cleanDocker))
    const dir = yield* scopedTempDir("dashboard-env")
    const config = Either.getOrThrow(
      fromObject({
        network: { host_bind_ip: "127.0.0.1", host_port: 0 },
        paths: { shared_dir: path.join(dir, "shared"), local_temp_dir: path.join(dir, "temp") },
        database: { db_file: path.join(dir, "host.db") },
        // an image that is not there: the host skips making a default environment at start
        docker: { default_container_name: "dash-default", initial_base_image: "hakuriver-test/absent:none" },
        security: { token }
      })
    )
    const host = yield* Layer.build(Host.layer(config))
    const url = yield* Effect.provide(Host.url, host)
    const page = yield* scopedPage({ acceptDialogs: true })
    yield* Effect.promise(async () => {
      await page.goto(`${url}/`)
      await page.fill("input[name=token]", token)
      await page.click("text=Connect")
      await page.waitForSelector('[data-connection="open"]')
    })
    return { page }
  })
}) {}

describe.skipIf(skipBrowserTests || !runDockerTests)("dashboard environments in a browser", () => {
  layer(EnvPage.Default, { timeout: "240 seconds", excludeTestServices: true })((it) => {
    it.effect(
      "creates an environment container and packages it with create-tar",
      () =>
        Effect.gen(function* () {
          const { page } = yield* EnvPage
          yield* Effect.promise(async () => {
            await page.click("nav >> text=Environments")
            await page.fill("form input[name=image]", testImage)
            await page.fill("form input[name=env]", env)
            await page.click("text=Create container")
            await page.waitForSelector(`tr[data-env="${env}"] >> text=running`, { timeout: 60_000 })
            await page.click(`tr[data-env="${env}"] >> text=Create tarball`)
            await page.waitForSelector(`tr[data-tar="${env}"]`, { timeout: 120_000 })
            await page.waitForSelector(`tr[data-env="${env}"] [data-tar-phase="done"]`, { timeout: 30_000 })
          })
          const file = yield* Effect.promise(() => page.textContent(`tr[data-tar="${env}"] td.mono`))
          expect(file).toContain(env)
          yield* shot(page, "environments")
        }),
      180_000
    )

    it.effect(
      "runs a command in the environment's terminal",
      () =>
        Effect.gen(function* () {
          const { page } = yield* EnvPage
          yield* Effect.promise(async () => {
            await page.click(`tr[data-env="${env}"] >> text=Terminal`)
            await page.waitForSelector(".xterm-screen", { timeout: 30_000 })
            await page.waitForSelector("h1 >> text=connected", { timeout: 30_000 })
            await page.click(".xterm-screen")
            await page.keyboard.type("echo hi-from-the-$((6*7))-terminal\n")
            await page.waitForSelector(".xterm-rows >> text=hi-from-the-42-terminal", { timeout: 30_000 })
          })
          yield* shot(page, "terminal")
        }),
      60_000
    )
  })
})
