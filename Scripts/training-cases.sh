#!/usr/bin/env bash
# The step model against published training runs: development cases (issue 15) and the runs of
# Korthikanti et al. 2022 (Table: iteration times, kept aside to judge the model), Megatron-LM's
# own H100 weak-scaling table (issue 20; also with the README's overlaps and fp32 gradients), the
# DeepSpeed runs calibrated from a sibling run (`--measured-iteration` / `--calibration`), and
# Llama 3 405B's rows calibrated from each other. Prints the model's figure, the published one and
# the error. Usage: Scripts/training-cases.sh [path/to/suanli]
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

echo
echo "Megatron-LM H100 weak scaling (NVIDIA/Megatron-LM README, images/model_table.png): model TFLOP/s per GPU, uncalibrated"
# GPT shape (ffn 4h, untied embeddings: 24 × 12·2048² + 2 × 131072 × 2048 = 1.75B for the 1.7B row),
# vocab 131072, seq 4096, DP 48; sequence parallelism with TP, distributed optimizer, overlapped
# gradient reduction (the README's flags). Micro-batch 1, no interleaving, no recomputation assumed
# (not in the table). The README also overlaps TP communication (--tp-comm-overlap) and the weight
# all-gather (--overlap-param-gather), and Megatron-LM reduces fp32 gradients under bf16: the second block.
W="--device h100-sxm --vocab 131072 --seq-len 4096 --untied-embeddings --microbatch 1 --overlap-grad-reduce --zero 1"
MEGATRON_ROWS="1.7B 16 2048 24 1 1 48 192 408.8
7.1B 32 4096 30 2 1 48 192 465.9
16B 48 6144 32 4 1 48 192 489.1
32B 56 7168 48 8 1 48 192 459.6
70B 64 8192 84 8 2 48 384 419.7
119B 80 10240 92 8 4 48 768 420.5
177B 96 12288 96 8 6 48 1152 432.8
314B 128 16384 96 8 8 48 1536 474.4
462B 144 18432 112 8 16 48 3072 459.9"
megatron() { # sequence-parallel options (rows with TP > 1) | options of every row
    local with_tp=$1 sp; shift
    while read -r name heads hidden layers tp pp dp batch published; do
        sp=""; [ "$tp" -gt 1 ] && sp=$with_tp
        # shellcheck disable=SC2086
        row "Megatron-LM $name $((tp * pp * dp)) H100" "$published" .tflops_per_device.model $W "$@" \
            --layers "$layers" --hidden "$hidden" --heads "$heads" --tp "$tp" --pp "$pp" --dp "$dp" --global-batch "$batch" $sp
    done <<<"$MEGATRON_ROWS"
}
megatron "--sequence-parallel"
echo
echo "The same runs with the README's overlaps (--overlap-param-gather, --tp-comm-overlap with TP) and fp32 gradients"
megatron "--sequence-parallel --tp-comm-overlap" --overlap-param-gather --gradient-bytes-per-param 4

echo
echo "DeepSpeed runs calibrated from a sibling run of the same stack (--measured-iteration, then --calibration)"
cal=$(mktemp -d)
trap 'rm -rf "$cal"' EXIT
mt() { echo "--model mt-nlg-530b $A100 --tp 8 --pp 35 --dp $1 --microbatch 1 --global-batch 1920 --recompute full"; }
published_mt() { case $1 in 8) echo 60.1 ;; 10) echo 50.2 ;; 12) echo 44.4 ;; esac; }
for from in 8 10 12; do
    # shellcheck disable=SC2046
    "$suanli" size step $(mt $from) --measured-iteration "$(published_mt $from)" --save-calibration "$cal/mt$from.json" --format json >/dev/null
done
for from in 8 10 12; do
    for to in 8 10 12; do
        [ "$from" = "$to" ] && continue
        # shellcheck disable=SC2046
        row "MT-NLG $((280 * to)) from $((280 * from))" "$(published_mt $to)" .iteration_seconds $(mt $to) --calibration "$cal/mt$from.json"
    done
done
# BLOOM has one published configuration: no sibling of its own. Calibrated from MT-NLG 2240 (the
# same Megatron-DeepSpeed family on A100s, but another model and team): a cross-model check only.
row "BLOOM-176B from MT-NLG 2240" 104.7 .iteration_seconds $BLOOM --calibration "$cal/mt8.json"

echo
echo "Llama 3 405B calibrated from a sibling row of the same stack (interleaving not published, 2 assumed)"
llama_published() { case $1 in 64) echo 430 ;; 128) echo 400 ;; cp) echo 380 ;; esac; }
llama() { case $1 in cp) echo "$L3 --dp 8 --cp 16 --seq-len 131072 --global-batch 128" ;; *) echo "$L3 --dp $1" ;; esac; }
for from in 64 128 cp; do
    # The published TFLOP/s as an iteration time: model FLOPs / (TFLOP/s × devices).
    # shellcheck disable=SC2046
    seconds=$("$suanli" size step $(llama $from) --format json | jq -r ".model_flops / ($(llama_published $from)e12 * .devices)")
    # shellcheck disable=SC2046
    "$suanli" size step $(llama $from) --measured-iteration "$seconds" --save-calibration "$cal/llama$from.json" --format json >/dev/null
done
for from in 64 128 cp; do
    for to in 64 128 cp; do
        [ "$from" = "$to" ] && continue
        # shellcheck disable=SC2046
        row "Llama 3 $to from $from" "$(llama_published $to)" .tflops_per_device.model $(llama $to) --calibration "$cal/llama$from.json"
    done
done
