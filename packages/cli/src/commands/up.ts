/**
 * `hakuriver up`: a host and one local runner in one process, everything in one data dir.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { hostUrlOf } from "@hakuriver/sdk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { awaitRunner, embeddedConfig, layer } from "../embedded/EmbeddedCluster.js"
import { configOption } from "../options.js"
import { withTraceFile } from "../traceFile.js"
import { loadConfigOf } from "./loadConfigOf.js"

/**
 * `hakuriver up`.
 * @category commands
 */
export const up = Command.make(
  "up",
  {
    config: configOption,
    dataDir: Options.directory("data-dir").pipe(
      Options.withDescription("holds hakuriver.db, shared/ and temp/ (default ~/.hakuriver)"),
      Options.optional
    ),
    port: Options.integer("port").pipe(
      Options.withDescription("host port (default: host_port of the config, 8000); 0 picks a free one"),
      Options.optional
    ),
    bind: Options.text("bind").pipe(
      Options.withDescription("address to listen on (default 127.0.0.1: this machine only)"),
      Options.optional
    ),
    executor: Options.choice("executor", ["auto", "docker", "systemd", "process"]).pipe(
      Options.withDescription(
        "how tasks run: auto = Docker when an engine answers, else systemd, else a plain process"
      ),
      Options.optional
    )
  },
  (o) =>
    Effect.gen(function* () {
      const base = yield* loadConfigOf(o.config)
      const config = yield* embeddedConfig({
        base,
        dataDir: Option.getOrUndefined(o.dataDir),
        port: Option.getOrUndefined(o.port),
        bindIp: Option.getOrUndefined(o.bind),
        executor: Option.getOrUndefined(o.executor)
      })
      const url = hostUrlOf(config)
      yield* Effect.gen(function* () {
        const node = yield* awaitRunner(config)
        const dataDir = config.database.db_file.replace(/\/hakuriver\.db$/, "")
        const usesDefault =
          config.network.host_port === 8000 && config.network.host_reachable_address === "127.0.0.1"
        yield* Console.log(
          [
            `HakuRiver is up at ${url}`,
            `  runner ${node.name}: ${node.cores} cores, executors: ${node.executors.join(", ") || "none"}`,
            `  data dir ${dataDir}`,
            "",
            "Next, in another terminal:",
            ...(usesDefault ? [] : [`  export HAKURIVER_URL=${url}`]),
            "  hakuriver nodes",
            `  hakuriver submit --wait${node.executors.includes("docker") ? "" : " --container NULL"} -- echo hello`,
            "",
            "Ctrl-C stops both."
          ].join("\n")
        )
        return yield* Effect.never
      }).pipe(Effect.provide(withTraceFile(layer(config))))
    })
).pipe(
  Command.withDescription(
    "Start a host and one local runner in this process (the one-machine cluster): SQLite, the\n" +
      "shared dir and the temp dir live in the data dir. Tasks run in Docker when an engine answers,\n" +
      "else through systemd, else as plain processes.\n\n" +
      "HAKURIVER_TRACE_FILE=FILE writes every span of the servers to FILE, one JSON line each.\n\n" +
      "Examples:\n  hakuriver up\n  hakuriver up --data-dir /tmp/hr --port 0 --executor process"
  )
)
