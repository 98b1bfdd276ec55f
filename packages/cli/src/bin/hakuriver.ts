/**
 * The `hakuriver` executable.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { run, teardown } from "../hakuriver.js"

NodeRuntime.runMain(run(process.argv), { disableErrorReporting: true, teardown })
