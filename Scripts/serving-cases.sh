#!/usr/bin/env bash
# Runs `suanli size serve` on the development cases of the serving step model and prints each
# case's modelled output tokens/s per device against the published figure (Docs/sizing.md).
# Usage: Scripts/serving-cases.sh [path/to/suanli]   (default: .build/debug/suanli)
set -euo pipefail
SUANLI=${1:-.build/debug/suanli}
[ -x "$SUANLI" ] || { echo "no suanli binary at $SUANLI (swift build first)" >&2; exit 1; }

# name | published output tokens/s per device | options
CASES=(
  "TensorRT-LLM H100 TP2 1000/1000|2209|--model llama3.3-70b --device h100-sxm --tp 2 --precision fp8 --kv-precision fp8 --input-tokens 1000 --output-tokens 1000"
  "TensorRT-LLM H100 TP2 8192/1024|398|--model llama3.3-70b --device h100-sxm --tp 2 --precision fp8 --kv-precision fp8 --input-tokens 8192 --output-tokens 1024"
  "TensorRT-LLM H200 TP2 1000/1000|2587|--model llama3.3-70b --device h200 --tp 2 --precision fp8 --kv-precision fp8 --input-tokens 1000 --output-tokens 1000"
  "TensorRT-LLM H200 TP2 8192/1024|537|--model llama3.3-70b --device h200 --tp 2 --precision fp8 --kv-precision fp8 --input-tokens 8192 --output-tokens 1024"
  "vLLM 0.5.4 2x H100 (1,728 total)|864|--model llama3.1-70b --device h100-sxm --tp 2 --precision fp8 --input-tokens 205 --output-tokens 197 --max-batch 256 --memory-utilization 0.95"
  "vLLM 0.5.4 4x A100 (957 total)|239.25|--model llama3.1-70b --device a100-80gb --tp 4 --precision fp8 --input-tokens 205 --output-tokens 197 --max-batch 256 --memory-utilization 0.95"
  "MLPerf v4.1 H100 x8 (24,525 total)|3065.6|--model llama2-70b --device h100-sxm --tp 2 --precision fp8 --kv-precision fp8 --input-tokens 300 --output-tokens 294"
  "MLPerf v4.1 H200 x8 (31,303 total)|3912.9|--model llama2-70b --device h200 --tp 1 --precision fp8 --kv-precision fp8 --input-tokens 300 --output-tokens 294"
  "MLPerf v4.1 MI300X x8 (23,515 total)|2939.4|--model llama2-70b --device mi300x --tp 1 --precision fp8 --kv-precision fp8 --input-tokens 300 --output-tokens 294"
)

printf '%-36s %10s %10s %8s %10s %6s  %s\n' case published expected error bound batch binding
for entry in "${CASES[@]}"; do
  IFS='|' read -r name published options <<<"$entry"
  # shellcheck disable=SC2086
  json=$("$SUANLI" size serve $options --format json 2>/dev/null) || { echo "$name: suanli failed" >&2; continue; }
  python3 - "$name" "$published" "$json" <<'PY'
import json, sys
name, published, text = sys.argv[1], float(sys.argv[2]), sys.argv[3]
r = json.loads(text)
e = r["output_tokens_per_second_per_device"]; b = r["bound"]["output_tokens_per_second_per_device"]
print(f"{name:36s} {published:10.0f} {e:10.0f} {100*(e/published-1):+7.1f}% {b:10.0f} {int(r['batch']):6d}  {r['binding']}")
PY
done
