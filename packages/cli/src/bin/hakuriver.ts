/**
 * The `hakuriver` executable. On a terminal its log lines are Effect's pretty ones (a line, then
 * each annotation on a line of its own); anywhere else (a service's journal, a pipe, a file) each
 * event is one logfmt line (`timestamp=… level=INFO fiber=#58 message="…" taskId=…`), which a
 * journal keeps as one entry and a pipe gets in one write.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { run, teardown } from "../hakuriver.js"

NodeRuntime.runMain(run(process.argv), {
  disableErrorReporting: true,
  disablePrettyLogger: process.stdout.isTTY !== true,
  teardown
})
