/** Starts and stops the host-scale section's status prober (`statusProbe.mjs`, a process of its own). */
import { fork } from "node:child_process"
import { fileURLToPath } from "node:url"
import { type Summary, summarize } from "./stats.js"

const probePath = fileURLToPath(new URL("./statusProbe.mjs", import.meta.url))

/** The prober's reads: their summary and the slowest. */
export interface ProbeSummary extends Summary {
  readonly max: number
}

/**
 * Reads `url` every `intervalMs` from a child process until `stop` is called, which resolves with
 * the summary of its reads. `kill` ends it without one (a section that failed).
 */
export const statusProber = (url: string, intervalMs = 20) => {
  // plain node: the probe needs no TypeScript loader, and starts faster without it
  const child = fork(probePath, [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] })
  child.send({ url, intervalMs })
  return {
    stop: (): Promise<ProbeSummary> =>
      new Promise((resolve, reject) => {
        child.once("message", (message: { readonly samples: ReadonlyArray<number> }) =>
          resolve({ ...summarize(message.samples), max: Math.max(...message.samples) })
        )
        child.once("exit", (code) => reject(new Error(`the status prober exited with ${code}`)))
        child.send({ stop: true })
      }),
    kill: () => {
      child.kill("SIGKILL")
    }
  }
}
