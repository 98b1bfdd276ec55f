/**
 * Options every client command shares (`--config`, `--json`) and the client layer they give.
 *
 * @since 0.1.0
 */
import * as Options from "@effect/cli/Options"
import { HakuRiverClient } from "@hakuriver/sdk"
import * as Option from "effect/Option"

/**
 * `--config PATH`: the config file (else `$HAKURIVER_CONFIG`, else `~/.hakuriver/config.toml`).
 * @category options
 */
export const configOption = Options.file("config").pipe(
  Options.withDescription("the config file (else $HAKURIVER_CONFIG, else ~/.hakuriver/config.toml)"),
  Options.optional
)

/**
 * `--json`: one JSON document on stdout whose field names are the SDK's.
 * @category options
 */
export const jsonOption = Options.boolean("json").pipe(
  Options.withDescription("print one JSON document (the SDK's field names) instead of a table")
)

/**
 * The client for `--config` (`HAKURIVER_URL` / `HAKURIVER_TOKEN` still win over the file).
 * @category layers
 */
export const clientLayer = (config: Option.Option<string>) =>
  HakuRiverClient.layer({ configPath: Option.getOrUndefined(config) })
