#!/usr/bin/env bash
# GPU detection and GPU placement on a real NVIDIA machine (the device machine; no Docker there):
# starts `hakuriver up` (host + one local runner, process executor) in a temp dir, then checks
#   1. the node registers the GPUs `nvidia-smi` lists (index, name, uuid, memory);
#   2. heartbeats carry GPU usage (`health`);
#   3. a task targeted at GPU 0 is placed there and holds it: a second task for GPU 0 waits until
#      the first is killed, then runs and sees that GPU through CUDA_VISIBLE_DEVICES; a task for
#      a GPU the node lacks is refused at submit.
# Prints PASS/FAIL lines and writes the raw outputs to $OUT (default /tmp/gpu-check).
#   NODE=path/to/node CLI=packages/cli/dist/hakuriver.js bash scripts/device/gpu-check.sh
# Needs Node 20, python3, the built CLI and the modules it keeps outside its bundle (better-sqlite3
# and dockerode, with their dependencies) where the CLI's folder resolves them.
set -uo pipefail
NODE=${NODE:-node}
CLI=${CLI:-packages/cli/dist/hakuriver.js}
OUT=${OUT:-/tmp/gpu-check}
PORT=${PORT:-18555}
mkdir -p "$OUT"
dir=$(mktemp -d)
touch "$dir/config.toml"
export HAKURIVER_CONFIG=$dir/config.toml HAKURIVER_NETWORK__HOST_PORT=$PORT HAKURIVER_NETWORK__RUNNER_NAME=gpu1
export HAKURIVER_TIMING__HEARTBEAT_INTERVAL=1 NO_COLOR=1
failures=0
check() { # name, then a command that succeeds when the check passes
  local name=$1
  shift
  if "$@"; then echo "PASS $name"; else echo "FAIL $name"; failures=$((failures + 1)); fi
}
hr() { "$NODE" "$CLI" "$@"; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@" 2>/dev/null; }

nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1
# the runner's own query (packages/runner/src/probe/nvidiaSmi.ts): its output is a parser fixture
nvidia-smi --query-gpu=index,name,uuid,memory.total,memory.used,utilization.gpu,temperature.gpu,power.draw \
  --format=csv,noheader,nounits >"$OUT/nvidia-smi-query.csv" 2>"$OUT/nvidia-smi-query.err"
gpus=$(grep -c . "$OUT/nvidia-smi-query.csv")
echo "nvidia-smi lists $gpus GPU(s)"

hr up --data-dir "$dir/data" --port "$PORT" --executor process >"$OUT/up.log" 2>&1 &
up=$!
trap 'kill $up 2>/dev/null; wait $up 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do
  hr nodes --json >"$OUT/nodes.json" 2>/dev/null && [ "$(json "$OUT/nodes.json" 'len(d)')" = 1 ] && break
  sleep 0.2
done
sleep 2.5 # two heartbeats
hr nodes --json >"$OUT/nodes.json" 2>&1
hr health --json >"$OUT/health.json" 2>&1
hr nodes >"$OUT/nodes.txt" 2>&1
hr health gpu1 >"$OUT/health.txt" 2>&1

check "the node has as many GPUs as nvidia-smi lists" \
  test "$(json "$OUT/nodes.json" 'len(d[0]["gpus"])')" = "$gpus"
check "the GPU names and uuids are nvidia-smi's" \
  test "$(json "$OUT/nodes.json" '",".join(g["name"]+"/"+g["uuid"] for g in d[0]["gpus"])')" = \
  "$(awk -F', ' '{printf "%s%s/%s", (NR>1?",":""), $2, $3}' "$OUT/nvidia-smi-query.csv")"
check "heartbeats carry a usage line per GPU" \
  test "$(json "$OUT/health.json" 'len(d["nodes"][0]["usage"]["gpus"])')" = "$gpus"

first=$(hr submit --json --target gpu1::0 -- sleep 600 2>"$OUT/submit1.err" | tee "$OUT/submit1.json" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["taskIds"][0])' 2>/dev/null)
# the second task shows what CUDA lets it see (torch is there on the device machine's image)
probe='echo "$CUDA_VISIBLE_DEVICES $CUDA_DEVICE_ORDER"; python3 -c "import torch; print(torch.cuda.device_count(), torch.cuda.get_device_name(0))" 2>/dev/null || echo "no torch"'
second=$(hr submit --json --target gpu1::0 -- sh -c "$probe" 2>"$OUT/submit2.err" | tee "$OUT/submit2.json" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["taskIds"][0])' 2>/dev/null)
sleep 1.5
hr status --json "$first" >"$OUT/first-running.json" 2>&1
hr status --json "$second" >"$OUT/second-waiting.json" 2>&1
hr health --json >"$OUT/health-busy.json" 2>&1
hr nodes --json >"$OUT/nodes-busy.json" 2>&1
check "a task for GPU 0 runs there" test "$(json "$OUT/first-running.json" 'd["status"]+":"+str(d["gpus"])')" = "running:[0]"
check "GPU 0 shows as given out" test "$(json "$OUT/nodes-busy.json" 'd[0]["allocated"]["gpus"]')" = "[0]"
check "a second task for GPU 0 waits while it is busy" test "$(json "$OUT/second-waiting.json" 'd["status"]')" = pending
hr kill "$first" >"$OUT/kill.out" 2>&1
hr wait --json "$first" "$second" >"$OUT/waited.json" 2>&1
check "once the first is killed, the second runs, after it" \
  python3 -c 'import json,sys; a,b=json.load(open(sys.argv[1])); assert (a["status"],b["status"])==("killed","completed"), (a["status"],b["status"]); assert b["startedAt"]>=a["finishedAt"], (a["finishedAt"],b["startedAt"])' "$OUT/waited.json"
hr logs "$second" >"$OUT/second.log" 2>&1
check "the task sees its GPU through CUDA_VISIBLE_DEVICES (nvidia-smi's ids)" \
  test "$(head -1 "$OUT/second.log")" = "0 PCI_BUS_ID"
check "CUDA finds the one GPU it is shown" \
  grep -qE '^(1 |no torch)' <(sed -n 2p "$OUT/second.log")
check "the process executor's warning names the GPUs once" test "$(json "$OUT/waited.json" 'd[1]["error"].count("GPU")')" = 1
hr submit --target "gpu1::$gpus" -- true >"$OUT/submit-missing.out" 2>&1
rc=$?
check "a GPU the node lacks is refused at submit (exit 2, one line)" \
  test "$rc" = 2 -a "$(grep -c . "$OUT/submit-missing.out")" = 1
cat "$OUT/submit-missing.out"
echo "$failures failure(s)"
exit $((failures > 0))
