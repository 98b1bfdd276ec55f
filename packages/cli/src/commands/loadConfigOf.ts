/**
 * Reads the configuration for `--config` as a command's failure (exit code 2) when it is bad.
 *
 * @since 0.1.0
 */
import { loadConfig } from "@hakuriver/sdk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { CliFailure, ExitCode } from "../CliFailure.js"

/**
 * The configuration of `--config` (else `$HAKURIVER_CONFIG`, else the default file or defaults).
 * @category config
 */
export const loadConfigOf = (config: Option.Option<string>) =>
  loadConfig({ path: Option.getOrUndefined(config) }).pipe(
    Effect.mapError((e) => new CliFailure({ message: e.message, exitCode: ExitCode.usage }))
  )
