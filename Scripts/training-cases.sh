#!/usr/bin/env bash
# The step model against published training runs: development cases (issue 15) and the runs of
# Korthikanti et al. 2022 (Table: iteration times, kept aside to judge the model). Prints the
# model's figure, the published one and the error. Usage: Scripts/training-cases.sh [path/to/suanli]
set -euo pipefail
suanli=${1:-.build/debug/suanli}
command -v jq >/dev/null || { echo "needs jq" >&2; exit 1; }

row() { # name published-value kind(json path) options...
    local name=$1 published=$2 path=$3; shift 3
    local value
    value=$("$suanli" size step --format json "$@" | jq -r "$path")
    awk -v n="$name" -v v="$value" -v p="$published" -v k="$path" \
        'BEGIN { printf "%-34s %-38s %10.2f %10.2f %+7.1f%%\n", n, k, v, p, 100 * (v / p - 1) }'
}

printf "%-34s %-38s %10s %10s %8s\n" case figure model published error
A100="--device a100-80gb --attention materialized"
# BLOOM-176B: 384 A100 80GB, TP 4, PP 12, DP 8 (BigScience 2022, §3.4).
BLOOM="--model bloom-176b $A100 --tp 4 --pp 12 --dp 8 --microbatch 2 --global-batch 2048 --recompute full --balance-embedding"
row "BLOOM-176B 384 GPUs" 104.7 .iteration_seconds $BLOOM
row "BLOOM-176B 384 GPUs" 149.8 .tflops_per_device.hardware $BLOOM
# MT-NLG 530B: TP 8, PP 35, global batch 1920 (Smith et al. 2022, Table 1); micro-batch not published (1 assumed).
for dp in 8 10 12; do
    case $dp in 8) t=60.1 f=126 ;; 10) t=50.2 f=121 ;; 12) t=44.4 f=113 ;; esac
    MT="--model mt-nlg-530b $A100 --tp 8 --pp 35 --dp $dp --microbatch 1 --global-batch 1920 --recompute full"
    row "MT-NLG 530B $((280 * dp)) GPUs" $t .iteration_seconds $MT
    row "MT-NLG 530B $((280 * dp)) GPUs" $f .tflops_per_device.hardware $MT
done
# OPT-175B: 992 A100 80GB, TP 8 with fully sharded data parallelism (Zhang et al. 2022, §2.4);
# 2M-token batches do not split over 124 replicas: 8 sequences per replica assumed.
row "OPT-175B 992 GPUs" 147 .tflops_per_device.hardware \
    --model opt-175b $A100 --tp 8 --dp 124 --microbatch 8 --global-batch 992 --zero 3 --recompute full
# Llama 3 405B on H100 (Llama Team 2024, Table 4): TP 8, PP 16, 16M-token batches of 8K sequences;
# interleaving not published (2 assumed), BF16 MFU counts model FLOPs.
L3="--model llama3-405b --device h100-sxm --tp 8 --pp 16 --microbatch 1 --global-batch 2048 --interleave 2 --balance-embedding --sequence-parallel --overlap-grad-reduce --zero 1 --ignore-memory"
row "Llama 3 405B 8,192 GPUs" 430 .tflops_per_device.model $L3 --dp 64
row "Llama 3 405B 16,384 GPUs" 400 .tflops_per_device.model $L3 --dp 128
row "Llama 3 405B 16,384 GPUs, 128K" 380 .tflops_per_device.model $L3 --dp 8 --cp 16 --seq-len 131072 --global-batch 128

echo
echo "Kept aside: Korthikanti et al. 2022 (Megatron-LM, A100, iteration seconds)"
K="--device a100-80gb --attention materialized --vocab 51200 --seq-len 2048"
while read -r name layers hidden heads tp pp batch mb v full seqsel; do
    shape="--layers $layers --hidden $hidden --heads $heads"
    row "$name full recompute" "$full" .iteration_seconds $K $shape --tp $tp --pp $pp --global-batch $batch --microbatch $mb --interleave $v --recompute full
    row "$name selective + SP" "$seqsel" .iteration_seconds $K $shape --tp $tp --pp $pp --global-batch $batch --microbatch $mb --interleave $v --recompute selective --sequence-parallel
done <<'CASES'
22B 48 6144 64 8 1 4 4 1 1.42 1.10
175B 96 12288 96 8 8 64 1 3 18.13 13.75
530B 105 20480 128 8 35 280 1 3 49.05 37.83
1T 128 25600 160 8 64 512 1 1 94.42 71.49
CASES
