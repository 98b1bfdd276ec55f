/**
 * `HAKURIVER_TRACE_FILE=FILE` for `hakuriver host`, `runner` and `up`: the servers write every
 * span (each request, each named step of a task's way) to FILE, one JSON line each — the SDK's
 * `SpanFile`. Unset, they trace nothing.
 *
 * @since 0.1.0
 */
import { SpanFile } from "@hakuriver/sdk"
import * as Layer from "effect/Layer"
import { CliFailure, ExitCode } from "./CliFailure.js"

/**
 * The environment variable that names the trace file.
 * @category constants
 */
export const traceFileVariable = "HAKURIVER_TRACE_FILE"

/**
 * `layer` with a {@link SpanFile} when `HAKURIVER_TRACE_FILE` names one (a file that cannot be
 * opened is a usage error), else `layer` as it is.
 * @category layers
 */
export const withTraceFile = <A, E, R>(
  layer: Layer.Layer<A, E, R>,
  env: Readonly<Record<string, string | undefined>> = process.env
): Layer.Layer<A, E | CliFailure, R> => {
  const file = env[traceFileVariable]
  if (file === undefined || file === "") return layer
  const spanFile = SpanFile.layer(file).pipe(
    Layer.mapError((e) => new CliFailure({ message: e.message, exitCode: ExitCode.usage }))
  )
  return Layer.provide(layer, spanFile)
}
