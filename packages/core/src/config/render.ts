/**
 * The default config file, as `hakuriver init config` writes it: every key with its default and
 * a comment saying what it does.
 *
 * @since 0.1.0
 */
import { stringify } from "smol-toml"
import { defaultConfig, type HakuRiverConfig } from "./schema.js"

const sectionNotes: Record<keyof HakuRiverConfig, string> = {
  network: "Where the host and runners listen and how they reach each other.",
  paths: "shared_dir must be the same path on the host and every runner.",
  database: "The host's SQLite file.",
  timing: "Seconds. A node is offline after heartbeat_interval x heartbeat_timeout_factor.",
  docker: 'Environments: tarballs live in shared_dir/container_dir. network = "host" or "bridge".',
  runner: "What a runner offers (0 = all). executor = auto | docker | systemd | process.",
  scheduler: "Placement of tasks without --target: first-fit | least-loaded | round-robin.",
  security: "A shared bearer token for host, runners, clients and dashboard (empty = no auth)."
}

/**
 * Renders a config as commented TOML.
 * @category formatting
 */
export const renderConfig = (config: HakuRiverConfig = defaultConfig, token?: string): string => {
  const lines = ["# HakuRiver configuration. Every key is optional; these are the defaults.", ""]
  for (const section of Object.keys(sectionNotes) as Array<keyof HakuRiverConfig>) {
    const values =
      section === "security" && token !== undefined ? { ...config.security, token } : config[section]
    lines.push(`# ${sectionNotes[section]}`, stringify({ [section]: values }).trim(), "")
  }
  return lines.join("\n")
}
