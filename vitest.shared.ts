import { fileURLToPath } from "node:url"

const src = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url))

/** Workspace imports resolve to sources, so tests never need a build first. */
export const alias = {
  "@hakuriver/sdk/executor": src("core/src/executor/index.ts"),
  "@hakuriver/sdk": src("core/src/index.ts"),
  "@hakuriver/host": src("host/src/index.ts"),
  "@hakuriver/runner": src("runner/src/index.ts")
}
