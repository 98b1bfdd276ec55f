#!/usr/bin/env bash
# Packs what a bare machine without Node or npm needs to run HakuRiver and its benchmark: this
# node (xz-compressed), the built CLI bundle, the modules the bundle keeps outside (better-sqlite3
# and dockerode, with their dependencies) and the benchmark as one file. Writes `.devcarry/`
# (about 50 MB; keep it out of git, e.g. in .git/info/exclude). On the other machine:
#   python3 -c "import lzma,shutil; shutil.copyfileobj(lzma.open('.devcarry/node.xz'), open('/tmp/node','wb'))"
#   chmod +x /tmp/node
#   NODE=/tmp/node CLI=.devcarry/app/packages/cli/dist/hakuriver.js bash scripts/device/gpu-check.sh
#   mkdir -p .devcarry/app/bench/lib/results && /tmp/node .devcarry/app/bench/lib/run.mjs --quick
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f packages/cli/dist/hakuriver.js ] || npm run -s build
out=.devcarry
app=$out/app
rm -rf "$out"
mkdir -p "$app/packages/cli/dist" "$app/node_modules" "$app/bench/lib"
cp packages/cli/dist/*.js "$app/packages/cli/dist/"
cp packages/cli/package.json "$app/packages/cli/"

# the bundle's external modules and everything they depend on, as npm installed them here
node -e '
const fs = require("node:fs"), path = require("node:path")
const seen = new Set(), queue = ["better-sqlite3", "dockerode"]
while (queue.length > 0) {
  const name = queue.pop()
  if (seen.has(name) || name.startsWith("@types/")) continue
  seen.add(name)
  const manifest = JSON.parse(fs.readFileSync(path.join("node_modules", name, "package.json"), "utf8"))
  const deps = { ...manifest.dependencies, ...manifest.optionalDependencies }
  for (const dep of Object.keys(deps)) if (fs.existsSync(path.join("node_modules", dep))) queue.push(dep)
}
console.log([...seen].join("\n"))
' | while read -r module; do
  mkdir -p "$app/node_modules/$(dirname "$module")"
  cp -r "node_modules/$module" "$app/node_modules/$module"
done
# of a native module, only its JavaScript and the built addon (not its sources and objects)
sqlite=$app/node_modules/better-sqlite3
rm -rf "$sqlite/deps" "$sqlite/src" "$sqlite/build"
mkdir -p "$sqlite/build/Release"
cp node_modules/better-sqlite3/build/Release/better_sqlite3.node "$sqlite/build/Release/"

# the benchmark as one ES module; it finds the CLI at ../../packages/cli/dist from bench/lib.
# tsup (with TypeScript, rollup and sucrase: 14 of its 19 MB) stays out: the bench loads it only
# to build the stack's floor server (the heartbeat floors, the footprint), which then cannot run
npx esbuild bench/run.ts --bundle --platform=node --format=esm --target=node20 --log-level=error \
  --outfile="$app/bench/lib/run.mjs" --external:better-sqlite3 --external:dockerode --external:tsup \
  --banner:js='import { createRequire as __r } from "node:module"; const require = __r(import.meta.url);'

xz -T0 -6 -c "$(command -v node)" >"$out/node.xz"
du -sh "$out"
# the device tool carries at most 64 MiB of working tree
[ "$(du -s --block-size=1M "$out" | cut -f1)" -lt 60 ] || echo "pack.sh: $out is over 60 MiB: too large to carry" >&2
