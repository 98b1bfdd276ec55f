import { defineConfig } from "tsup"

export default defineConfig({
  entry: { index: "src/index.ts", "executor/index": "src/executor/index.ts" },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  splitting: true
})
