import { defineConfig } from "tsup"

export default defineConfig({
  entry: { hakuriver: "src/bin/hakuriver.ts", hakurun: "src/bin/hakurun.ts" },
  format: ["esm"],
  clean: true,
  sourcemap: true,
  target: "node20",
  banner: { js: "#!/usr/bin/env node" }
})
