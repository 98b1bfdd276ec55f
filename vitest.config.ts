import { defineConfig } from "vitest/config"
import { alias } from "./vitest.shared.js"

const project = (name: string, include: Array<string>, extra: Record<string, unknown> = {}) => ({
  resolve: { alias },
  // timeouts are per project: the root's do not reach them
  test: { name, include, testTimeout: 60_000, hookTimeout: 180_000, ...extra }
})

export default defineConfig({
  test: {
    projects: [
      project("core", ["packages/core/test/**/*.test.ts"]),
      project("host", ["packages/host/test/**/*.test.ts"]),
      project("runner", ["packages/runner/test/**/*.test.ts"]),
      project("cli", ["packages/cli/test/**/*.test.ts"]),
      project("examples", ["examples/test/**/*.test.ts"]),
      // the benchmark's own logic (not its timings: those are `npm run bench`)
      project("bench", ["bench/test/**/*.test.ts"]),
      // real faults (SIGKILL, a private dockerd stopped, full disks, network partitions): one file at a time
      project("faults", ["test/faults/**/*.test.ts"], { poolOptions: { forks: { singleFork: true } } })
    ]
  }
})
