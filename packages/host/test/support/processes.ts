/**
 * Host and runner processes for tests: `node --import tsx` on the fixture entries, killed with
 * SIGKILL when the scope closes (if still alive).
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"

const root = fileURLToPath(new URL("../../../../", import.meta.url))

/** A free loopback port (closed again, so a child can take it). */
export const freePort = Effect.async<number>((resume) => {
  const server = net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** Writes a raw config object (as `fromObject` takes it) to `dir/name.json`. */
export const writeConfig = (dir: string, name: string, config: Record<string, unknown>) =>
  Effect.sync(() => {
    const file = path.join(dir, `${name}.json`)
    fs.writeFileSync(file, JSON.stringify(config))
    return file
  })

const fixtures = {
  "host-main.ts": new URL("../fixtures/host-main.ts", import.meta.url),
  // the runner package's own entry for tests: one runner fixture for every package
  "runner-main.ts": new URL("../../../runner/test/fixtures/runner-main.ts", import.meta.url)
}

/** Runs a fixture (`host-main.ts` or `runner-main.ts`) with a config file, for the scope. */
export const fixtureProcess = (fixture: "host-main.ts" | "runner-main.ts", configFile: string) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, ["--import", "tsx", fileURLToPath(fixtures[fixture]), configFile], {
        cwd: root,
        stdio: ["ignore", "ignore", "inherit"]
      })
    ),
    (child) =>
      Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
  )

/** Kills a child with SIGKILL and waits for it to exit. */
export const sigkill = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
    child.kill("SIGKILL")
  })
