// Prints the closing line of the test suite, `N passed, N failed[, N skipped]`, from vitest's
// JSON report, and exits non-zero when anything failed or no test ran.
import { existsSync, readFileSync } from "node:fs"

const [file, extra = "0"] = process.argv.slice(2)
const extraFailed = Number(extra)
if (!file || !existsSync(file)) {
  console.log("no test report was written")
  console.log(`0 passed, ${1 + extraFailed} failed`)
  process.exit(1)
}
const r = JSON.parse(readFileSync(file, "utf8"))
// suites that failed to load count as failures too
const brokenSuites = (r.testResults ?? []).filter(
  (s) => s.status === "failed" && (s.assertionResults ?? []).length === 0
).length
const passed = r.numPassedTests ?? 0
const failed = (r.numFailedTests ?? 0) + brokenSuites + extraFailed
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
if (extraFailed > 0)
  console.log(`(${extraFailed} of the failures are build, typecheck, lint or environment steps)`)
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
