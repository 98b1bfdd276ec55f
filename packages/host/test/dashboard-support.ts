/**
 * Helpers of the dashboard tests: building the dashboard when its build is missing, reading
 * Server-Sent Events from a real HTTP response, and a headless Chromium page.
 */
import { existsSync, readdirSync, statSync } from "node:fs"
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import type { Page } from "playwright-core"

const repo = fileURLToPath(new URL("../../..", import.meta.url))

/**
 * Saves a screenshot of the page as `NAME.png`: into docs/screenshots (the README's pictures)
 * when `HAKURIVER_SCREENSHOTS=1`, else into a temp folder, so a test run leaves the tree clean.
 */
export const shot = (page: Page, name: string) =>
  Effect.promise(async () => {
    const dir =
      process.env.HAKURIVER_SCREENSHOTS === "1"
        ? path.join(repo, "docs/screenshots")
        : path.join(tmpdir(), "hakuriver-screenshots")
    await mkdir(dir, { recursive: true })
    await page.screenshot({ path: path.join(dir, `${name}.png`) })
  })

/** Where the host serves the dashboard from when running from sources. */
export const dashboardDir = path.join(repo, "packages/host/dist/dashboard")

/** The newest modification time under `dir` (the dashboard's sources). */
const newestMtime = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const p = path.join(dir, entry.name)
    return Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }, 0)

/** Whether the build is there and newer than every source of it. */
const upToDate = (): boolean => {
  const index = path.join(dashboardDir, "index.html")
  return existsSync(index) && statSync(index).mtimeMs >= newestMtime(path.join(repo, "packages/dashboard-ui"))
}

/**
 * Builds the dashboard into `packages/host/dist/dashboard` unless an up-to-date build is there. The build goes to
 * a temp folder first and is renamed into place, so two test files never see half a build.
 */
export const ensureDashboardBuilt = async (): Promise<string> => {
  if (upToDate()) return dashboardDir
  const { build } = await import("vite")
  const parent = path.dirname(dashboardDir)
  await mkdir(parent, { recursive: true })
  const tmp = await mkdtemp(path.join(parent, ".dashboard-build-"))
  await build({
    configFile: path.join(repo, "packages/dashboard-ui/vite.config.ts"),
    logLevel: "error",
    build: { outDir: tmp, emptyOutDir: true }
  })
  try {
    if (existsSync(dashboardDir)) await rm(dashboardDir, { recursive: true, force: true })
    await rename(tmp, dashboardDir)
  } catch {
    // another test file won the race: its build is as good as ours
    await rm(tmp, { force: true, recursive: true })
  }
  return dashboardDir
}

/** One SSE message. */
export interface SseMessage {
  readonly event: string
  readonly data: string
}

/** Reads SSE messages from a streaming response body, one at a time. */
export const sseReader = (body: ReadableStream<Uint8Array>) => {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ""
  const next = async (): Promise<SseMessage> => {
    for (;;) {
      const end = buffer.indexOf("\n\n")
      if (end >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        let event = "message"
        const data: Array<string> = []
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) event = line.slice(7)
          else if (line.startsWith("data: ")) data.push(line.slice(6))
        }
        if (data.length > 0) return { event, data: data.join("\n") }
        continue
      }
      const { value, done } = await reader.read()
      if (done) throw new Error("the event stream ended")
      buffer += decoder.decode(value, { stream: true })
    }
  }
  /** The next message named `event` (others are skipped). */
  const nextOf = async (event: string): Promise<SseMessage> => {
    for (;;) {
      const m = await next()
      if (m.event === event) return m
    }
  }
  return { next, nextOf, cancel: () => reader.cancel() }
}

/** Debian's chromium, as scripts/browser-env.sh installs it. */
export const chromiumPath = "/usr/bin/chromium"

/** Browser tests skip without chromium, except in CI (CI=true), where they fail. */
export const skipBrowserTests = !existsSync(chromiumPath) && process.env.CI !== "true"

/** Launches headless chromium with the flags these machines need. */
export const launchChromium = async () => {
  const { chromium } = await import("playwright-core")
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run"
    ]
  })
}

/** A headless Chromium page (1280×860) for the scope that logs page errors; `acceptDialogs` accepts confirmations. */
export const scopedPage = (options: { readonly acceptDialogs?: boolean } = {}) =>
  Effect.gen(function* () {
    const browser = yield* Effect.acquireRelease(
      Effect.promise(() => launchChromium()),
      (b) => Effect.promise(() => b.close())
    )
    const page: Page = yield* Effect.promise(() =>
      browser.newPage({ viewport: { width: 1280, height: 860 } })
    )
    if (options.acceptDialogs === true) page.on("dialog", (dialog) => void dialog.accept())
    page.on("pageerror", (error) => console.error(`page error: ${error.message}`))
    return page
  })
