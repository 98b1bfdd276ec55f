/**
 * The host's task policy: privileged containers and client-chosen bind mounts.
 *
 * Client mounts (`--mount`, `TaskSpec.mounts`) must lie under the shared dir, the local temp dir
 * or one of `[security] allowed_mount_prefixes`; `[docker] additional_mounts` are the admin's
 * own choice and are not checked. A host path that exists is also checked after resolving
 * symbolic links, so a link in the shared dir cannot point a mount at `/`.
 *
 * @since 0.1.0
 */
import type { HakuRiverConfig } from "@hakuriver/sdk"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Option from "effect/Option"

/** Whether `target` is `prefix` or lies below it (both absolute, normalised). */
const under = (prefix: string, target: string): boolean => {
  const p = path.posix.normalize(prefix)
  const t = path.posix.normalize(target)
  if (p === "/") return true
  const base = p.endsWith("/") ? p.slice(0, -1) : p
  return t === base || t.startsWith(`${base}/`)
}

/** The real path of `p` when it exists, else `p` itself. */
const realOrSelf = (p: string): string => {
  try {
    return fs.realpathSync(p)
  } catch {
    return p
  }
}

/**
 * The host-path prefixes clients may mount from: the shared dir, the local temp dir and
 * `[security] allowed_mount_prefixes`.
 * @category policy
 */
export const allowedPrefixes = (config: HakuRiverConfig): ReadonlyArray<string> =>
  [config.paths.shared_dir, config.paths.local_temp_dir, ...config.security.allowed_mount_prefixes].filter(
    (p) => p !== ""
  )

/**
 * The host side of a `HOST:CONTAINER[:MODE]` mount.
 * @category policy
 */
export const hostPathOf = (mount: string): string => mount.split(":")[0] ?? ""

/**
 * Whether a client may mount `hostPath`: it must be absolute and under an allowed prefix, both
 * as written and after resolving links.
 * @category policy
 */
export const mountAllowed = (config: HakuRiverConfig, hostPath: string): boolean => {
  if (!hostPath.startsWith("/")) return false
  const prefixes = allowedPrefixes(config)
  const allowed = (p: string) => prefixes.some((prefix) => under(prefix, p) || under(realOrSelf(prefix), p))
  return allowed(path.posix.normalize(hostPath)) && allowed(realOrSelf(hostPath))
}

/**
 * Why a submission breaks the policy, or none. `privileged` is the effective choice (after the
 * `[docker] tasks_privileged` default); `clientMounts` are the mounts the client chose (absent =
 * the admin's `additional_mounts`, which are trusted).
 * @category policy
 */
export const refusal = (
  config: HakuRiverConfig,
  request: { readonly privileged: boolean; readonly clientMounts: ReadonlyArray<string> | undefined }
): Option.Option<string> => {
  if (request.privileged && !config.security.allow_privileged) {
    return Option.some("privileged tasks are not allowed on this host ([security] allow_privileged = false)")
  }
  const outside = (request.clientMounts ?? []).filter((m) => !mountAllowed(config, hostPathOf(m)))
  if (outside.length > 0) {
    return Option.some(
      `mount ${outside.join(", ")} is not allowed: client mounts must lie under ${allowedPrefixes(config).join(", ")} (add a prefix to [security] allowed_mount_prefixes to allow more)`
    )
  }
  return Option.none()
}
