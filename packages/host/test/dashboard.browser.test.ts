/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against an
 * embedded cluster: a host and a runner (process executor) on loopback ports with a token.
 * It enters the token, submits a task from the form, sees it complete, reads its stdout and
 * stderr in the log viewer, kills a running task, and saves screenshots (see `shot`).
 *
 * Without chromium the tests skip, except in CI (CI=true), where they fail.
 */
import { describe, expect, layer } from "@effect/vitest"
import { fromObject, type HakuRiverConfig } from "@hakuriver/sdk"
import { Runner } from "@hakuriver/runner"
import * as path from "node:path"
import { Effect, Either, Layer } from "effect"
import type { Page } from "playwright-core"
import { Host } from "../src/index.js"
import { ensureDashboardBuilt, scopedPage, shot, skipBrowserTests } from "./dashboard-support.js"
import { scopedTempDir } from "../../../test/kit/index.js"

const token = "dashboard-test-token"

const configOf = (dir: string, network: Record<string, unknown>): HakuRiverConfig =>
  Either.getOrThrow(
    fromObject({
      network: {
        host_bind_ip: "127.0.0.1",
        host_reachable_address: "127.0.0.1",
        runner_bind_ip: "127.0.0.1",
        runner_address: "127.0.0.1",
        runner_port: 0,
        runner_name: "node-a",
        ...network
      },
      paths: { shared_dir: path.join(dir, "shared"), local_temp_dir: path.join(dir, "temp") },
      database: { db_file: path.join(dir, "host.db") },
      timing: { heartbeat_interval: 1, heartbeat_timeout_factor: 10, cleanup_check_interval: 1 },
      runner: { executor: "process" },
      security: { token }
    })
  )

/** Host + runner + browser page, for the whole file. */
class BrowserCluster extends Effect.Service<BrowserCluster>()("test/BrowserCluster", {
  scoped: Effect.gen(function* () {
    yield* Effect.promise(() => ensureDashboardBuilt())
    const dir = yield* scopedTempDir("dashboard")
    const hostContext = yield* Layer.build(Host.layer(configOf(dir, { host_port: 0 })))
    const address = yield* Effect.provide(Host.address, hostContext)
    const port = address._tag === "TcpAddress" ? address.port : 0
    yield* Layer.build(Runner.layer(configOf(dir, { host_port: port })))
    // kill asks for confirmation
    const page = yield* scopedPage({ acceptDialogs: true })
    return { url: `http://127.0.0.1:${port}/`, page }
  })
}) {}

/** Fills the submit form with `command` on node-a without Docker, submits, and lands on the task. */
const submitFromForm = (page: Page, command: string, screenshot?: string) =>
  Effect.gen(function* () {
    yield* Effect.promise(async () => {
      await page.click("nav >> text=Submit")
      await page.fill("input[name=command]", command)
      await page.selectOption("select[name=target-node]", "node-a")
      await page.click("button[name=add-target]")
      await page.waitForSelector('[data-target="node-a"]')
      await page.selectOption("select[name=container]", "NULL")
      await page.fill("input[name=memory]", "256M")
      await page.fill("textarea[name=env]", "GREETING=hello")
    })
    if (screenshot !== undefined) yield* shot(page, screenshot)
    yield* Effect.promise(async () => {
      await page.click("button[name=submit]")
      await page.waitForURL(/#\/tasks\/[0-9]+$/)
    })
    return page.url().replace(/^.*#\/tasks\//, "")
  })

const statusIs = (page: Page, status: string, timeout = 30_000) =>
  Effect.promise(() => page.waitForSelector(`[data-testid="task-status"]:text-is("${status}")`, { timeout }))

/** Waits until the log viewer shows `text`. */
const logShows = (page: Page, text: string) =>
  page.waitForSelector(`[data-testid="log-text"]:has-text("${text}")`, { timeout: 15_000 })

describe.skipIf(skipBrowserTests)("dashboard in a browser", () => {
  layer(BrowserCluster.Default, { timeout: "150 seconds", excludeTestServices: true })((it) => {
    it.effect(
      "asks for the token, then shows the live cluster",
      () =>
        Effect.gen(function* () {
          const { page, url } = yield* BrowserCluster
          yield* Effect.promise(async () => {
            await page.goto(url)
            await page.waitForSelector("input[name=token]")
            await page.fill("input[name=token]", token)
            await page.click("text=Connect")
            await page.waitForSelector('[data-connection="open"]')
            await page.waitForSelector('[data-card="nodes"] .value:text-is("1 / 1")', { timeout: 30_000 })
          })
        }),
      60_000
    )

    it.effect(
      "submits a task from the form, sees it complete and reads its logs",
      () =>
        Effect.gen(function* () {
          const { page } = yield* BrowserCluster
          const id = yield* submitFromForm(
            page,
            `sh -c "echo hello-from-dashboard \\$GREETING; echo oops-on-stderr >&2; sleep 1"`,
            "submit"
          )
          expect(id).toMatch(/^[0-9]+$/)
          yield* statusIs(page, "completed")
          yield* Effect.promise(async () => {
            await logShows(page, "hello-from-dashboard hello")
            await page.waitForSelector('[data-log-state="done"]')
          })
          const exitCode = yield* Effect.promise(() => page.textContent('[data-field="exit code"] td'))
          expect(exitCode).toBe("0")
          yield* shot(page, "task")
          yield* Effect.promise(async () => {
            await page.click('button[data-stream="stderr"]')
            await logShows(page, "oops-on-stderr")
          })
        }),
      60_000
    )

    it.effect(
      "follows a running task's log, pauses, resumes and kills it",
      () =>
        Effect.gen(function* () {
          const { page } = yield* BrowserCluster
          yield* submitFromForm(page, `sh -c "echo started; sleep 120"`)
          yield* statusIs(page, "running")
          yield* Effect.promise(async () => {
            await logShows(page, "started")
            await page.waitForSelector('[data-log-state="following"]')
            await page.click('button[data-action="pause"]')
          })
          yield* statusIs(page, "paused")
          yield* Effect.promise(() => page.click('button[data-action="resume"]'))
          yield* statusIs(page, "running")
          yield* Effect.promise(() => page.click('button[data-action="kill"]'))
          yield* statusIs(page, "killed")
          // the viewer stops following once the task is final
          yield* Effect.promise(() => page.waitForSelector('[data-log-state="done"]', { timeout: 20_000 }))
        }),
      60_000
    )

    it.effect(
      "submits one batch to several targets picked from the node list",
      () =>
        Effect.gen(function* () {
          const { page } = yield* BrowserCluster
          yield* Effect.promise(async () => {
            await page.click("nav >> text=Submit")
            await page.fill("input[name=command]", "echo from-a-batch")
            await page.selectOption("select[name=target-node]", "node-a")
            await page.click("button[name=add-target]")
            await page.selectOption("select[name=target-node]", "node-a")
            await page.selectOption("select[name=target-numa]", "0")
            await page.click("button[name=add-target]")
            await page.waitForSelector('[data-target="node-a:0"]')
            await page.selectOption("select[name=container]", "NULL")
            await page.click("button[name=submit]")
            await page.waitForSelector('[data-testid="submit-result"]')
          })
          const ids = yield* Effect.promise(() =>
            page.locator('[data-testid="submit-result"] a.mono').allTextContents()
          )
          expect(ids.map((id) => id.trim())).toHaveLength(2)
          yield* Effect.promise(async () => {
            // the batch link lists exactly that batch, live until both complete
            await page.click('[data-testid="submit-result"] a >> nth=0')
            await page.waitForURL(/#\/tasks\?batch=/)
            await page
              .locator('tr[data-task-id] [data-status="completed"]')
              .nth(1)
              .waitFor({ timeout: 30_000 })
          })
          expect(yield* Effect.promise(() => page.locator("tr[data-task-id]").count())).toBe(2)
          const targets = yield* Effect.promise(() =>
            page.locator("tr[data-task-id] td:nth-child(4)").allTextContents()
          )
          expect(targets.some((t) => t.includes("node-a:0"))).toBe(true)
        }),
      60_000
    )

    it.effect(
      "lists the tasks live, and shows nodes and the overview",
      () =>
        Effect.gen(function* () {
          const { page } = yield* BrowserCluster
          yield* Effect.promise(async () => {
            await page.click("nav >> text=Tasks")
            await page.waitForSelector('tr[data-task-id] [data-status="completed"]')
            await page.waitForSelector('tr[data-task-id] [data-status="killed"]')
          })
          const rows = yield* Effect.promise(() => page.locator("tr[data-task-id]").count())
          expect(rows).toBe(4)
          yield* Effect.promise(() => page.selectOption("select[name=status]", "killed"))
          yield* Effect.promise(() => page.locator("tr[data-task-id]").nth(1).waitFor({ state: "detached" }))
          expect(yield* Effect.promise(() => page.locator("tr[data-task-id]").count())).toBe(1)
          yield* Effect.promise(() => page.selectOption("select[name=status]", ""))
          yield* Effect.promise(() => page.locator("tr[data-task-id]").nth(3).waitFor())
          yield* shot(page, "tasks")
          yield* Effect.promise(async () => {
            await page.click("nav >> text=Nodes")
            await page.waitForSelector('[data-node="node-a"]')
          })
          yield* shot(page, "nodes")
          yield* Effect.promise(async () => {
            await page.click("nav >> text=Overview")
            // the charts need a couple of usage samples
            await page
              .locator(".chart path.line[d*='L']")
              .nth(1)
              .waitFor({ state: "attached", timeout: 30_000 })
          })
          yield* shot(page, "overview")
        }),
      60_000
    )
  })
})
