#!/usr/bin/env bash
# Benchmark hylint against its peers on synthetic trees made from the corpus.
#
#   bench/run.sh                 # sizes 100 1000 10000, 5 runs each, writes docs/performance.md
#   SIZES="100" RUNS=1 bench/run.sh   # what CI runs: proves the script works
#
# Tools timed on the same trees: `hylint check`, `hylint check --fix --diff`, dclint (npm) and
# compose-lint (PyPI), installed by this script into bench/.scratch, and `docker compose config`
# (the oracle, one call per compose file as a user validating each stack would; on the corpus and
# the smallest tree only, since 10 000 process launches measure process start-up, not linting).
# Median, min and max wall time (RUNS runs at least, after a warm-up; see stats), peak RSS from
# /usr/bin/time -v, ratios against hylint. Growth: hylint on each tree and the next larger one,
# run alternately (GROWTH_RUNS rounds), the ratio of their medians.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SIZES=${SIZES:-"100 1000 10000"}
RUNS=${RUNS:-5}
MIN_TIME=${MIN_TIME:-1}
MAX_RUNS=${MAX_RUNS:-100}
# Rounds of the growth measurement (see below).
GROWTH_RUNS=${GROWTH_RUNS:-10}
# Peers are timed on trees up to this many files (dclint needs about 75 s per 1000 files here).
PEERS_MAX=${PEERS_MAX:-1000}
SCRATCH=$ROOT/bench/.scratch
CORPUS=${CORPUS:-$ROOT/../shared/corpus/hy-home}
OUT=${OUT:-$ROOT/docs/performance.md}
mkdir -p "$SCRATCH"

[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 2; }

echo "== build" >&2
cargo build --release --locked -q
HYLINT=$ROOT/target/release/hylint

echo "== peers" >&2
if [ ! -x "$SCRATCH/node_modules/.bin/dclint" ]; then
  npm install --silent --no-audit --no-fund --prefix "$SCRATCH" dclint@3.1.0
fi
if [ ! -x "$SCRATCH/venv/bin/compose-lint" ]; then
  python3 -m venv "$SCRATCH/venv"
  "$SCRATCH/venv/bin/pip" install --quiet --disable-pip-version-check compose-lint==0.36.2
fi
bash .ci/install-oracle
ORACLE=$(ls "$ROOT"/.venv/lib/python3*/site-packages/compose/docker-compose | head -n1)
DCLINT=$SCRATCH/node_modules/.bin/dclint
COMPOSE_LINT=$SCRATCH/venv/bin/compose-lint

# One measurement: "seconds max_rss_kib" of a shell command run in a directory.
measure() {
  local dir=$1; shift
  local tf; tf=$(mktemp)
  # Wall time from the clock in nanoseconds (GNU time reports only hundredths of a second).
  local t0 t1
  t0=$(date +%s%N)
  ( cd "$dir" && /usr/bin/time -v -o "$tf" bash -c "$*" >/dev/null 2>&1 ) || true
  t1=$(date +%s%N)
  local wall rss
  # Net of the harness's own cost (OVERHEAD, measured below), as hyperfine subtracts the
  # shell's start-up.
  wall=$(awk -v a="$t0" -v b="$t1" -v o="${OVERHEAD:-0}" 'BEGIN { w = (b - a) / 1e9 - o; if (w < 0.001) w = 0.001; printf "%.3f", w }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tf")
  rm -f "$tf"
  echo "$wall $rss"
}

# Numbers given as arguments -> "median min max count".
summary() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f %.3f %.3f %d\n", m, a[1], a[NR], NR}'; }

# Measurements -> "median min max max_rss runs". As hyperfine does: one warm-up run first, not
# recorded (the first run after a tree is written pays for cold caches: 50 ms instead of 17 on
# the corpus), then RUNS runs, and more while less than MIN_TIME seconds have been measured,
# up to MAX_RUNS (the median of 5 runs of a 20 ms command moved by half between two runs of
# this script; a command of seconds gets RUNS runs).
stats() {
  local dir=$1; shift
  local walls=() rss=0 total=0 n=0
  measure "$dir" "$@" >/dev/null
  while [ "$n" -lt "$RUNS" ] || awk -v t="$total" -v m="$MIN_TIME" -v n="$n" -v x="$MAX_RUNS" 'BEGIN { exit !(t < m && n < x) }'; do
    read -r w r < <(measure "$dir" "$@")
    walls+=("$w")
    [ "$r" -gt "$rss" ] && rss=$r
    total=$(awk -v t="$total" -v w="$w" 'BEGIN { print t + w }')
    n=$((n + 1))
  done
  local med min max runs
  read -r med min max runs < <(summary "${walls[@]}")
  echo "$med $min $max $rss $runs"
}

compose_files() { find "$1" -type f \( -name 'compose*.y*ml' -o -name 'docker-compose*.y*ml' \) | sort; }

rows=()
run_tree() {
  local label=$1 dir=$2 files=$3 oracle=$4
  local h fx d c o
  h=$(stats "$dir" "$HYLINT check --format concise .")
  fx=$(stats "$dir" "$HYLINT check --fix --diff .")
  d="- - - - -"
  c="- - - - -"
  if [ "$files" -le "$PEERS_MAX" ]; then
    d=$(stats "$dir" "$DCLINT -r .")
    c=$(stats "$dir" "compose_files . | xargs $COMPOSE_LINT")
  fi
  o="- - - - -"
  if [ "$oracle" = yes ]; then
    o=$(stats "$dir" "for f in \$(compose_files .); do (cd \$(dirname \$f) && env -i PATH=/usr/bin:/bin HOME=/tmp $ORACLE -f \$(basename \$f) config -q); done")
  fi
  # What the file system alone costs on this tree, on one core: walking it, and walking it and
  # reading the compose files. Part of hylint's time that no change to hylint removes.
  local w r
  w=$(stats "$dir" "find . >/dev/null")
  r=$(stats "$dir" "compose_files . | xargs cat >/dev/null")
  local hm; hm=$(echo "$h" | cut -d' ' -f1)
  for tool in "hylint check|$h" "hylint check --fix --diff|$fx" "dclint -r .|$d" "compose-lint (all files)|$c" "docker compose config (per file)|$o" "reference: find .|$w" "reference: find + cat compose files|$r"; do
    local name=${tool%%|*} s=${tool#*|}
    read -r med min max rss runs <<< "$s"
    local ratio="-"
    if [ "$med" != "-" ]; then ratio=$(awk -v a="$med" -v b="$hm" 'BEGIN { if (b <= 0) print "-"; else if (a/b < 10) printf "%.1fx", a/b; else printf "%.0fx", a/b }'); fi
    local mib="-"
    [ "$rss" != "-" ] && mib=$(awk -v k="$rss" 'BEGIN {printf "%.0f", k/1024}')
    rows+=("| $label | $files | $name | $med | $min | $max | $runs | $mib | $ratio |")
  done
}

export -f compose_files
# What a measurement costs with nothing to run (subshell, GNU time, bash -c): part of every row.
OVERHEAD=0
overhead=$(stats / true | cut -d' ' -f1)
OVERHEAD=$overhead
echo "== corpus" >&2
n=$(compose_files "$CORPUS" | wc -l)
tmp=$(mktemp -d)
cp -r "$CORPUS" "$tmp/corpus" && chmod -R u+w "$tmp/corpus"
run_tree "corpus (hy-home)" "$tmp/corpus" "$n" yes
trees=("$tmp/corpus") counts=("$n")
for size in $SIZES; do
  echo "== tree of about $size files" >&2
  python3 bench/gen_tree.py "$CORPUS" "$tmp/tree-$size" "$size" >&2
  n=$(compose_files "$tmp/tree-$size" | wc -l)
  first=$(echo "$SIZES" | awk '{print $1}')
  run_tree "synthetic" "$tmp/tree-$size" "$n" "$([ "$size" = "$first" ] && echo yes || echo no)"
  trees+=("$tmp/tree-$size") counts+=("$n")
done

# Growth: `hylint check` on each tree and the next larger one, run alternately for GROWTH_RUNS
# rounds (after a warm-up of each), so both medians come from the same minutes. The rows above
# are measured minutes apart, and this machine's speed drifts by 20-30 % between minutes: a
# ratio of two rows carries that drift.
echo "== growth" >&2
growth=()
for ((i = 1; i < ${#trees[@]}; i++)); do
  small=${trees[i-1]} large=${trees[i]}
  measure "$small" "$HYLINT check --format concise ." >/dev/null
  measure "$large" "$HYLINT check --format concise ." >/dev/null
  ws=() wl=()
  for ((r = 0; r < GROWTH_RUNS; r++)); do
    read -r w _ < <(measure "$small" "$HYLINT check --format concise .")
    ws+=("$w")
    read -r w _ < <(measure "$large" "$HYLINT check --format concise .")
    wl+=("$w")
  done
  ms=$(summary "${ws[@]}" | cut -d' ' -f1) ml=$(summary "${wl[@]}" | cut -d' ' -f1)
  growth+=("$(awk -v a="${counts[i-1]}" -v b="${counts[i]}" -v s="$ms" -v l="$ml" -v n="$GROWTH_RUNS" 'BEGIN { printf "| %d -> %d | %.1fx | %.3f -> %.3f | %d | %.1fx |", a, b, b / a, s, l, n, l / s }')")
done
rm -rf "$tmp"

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
{
  echo "# Performance"
  echo
  echo "<!-- Written by bench/run.sh; do not edit by hand. -->"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($cpu), $mem, with \`bench/run.sh\`"
  echo "(RUNS=$RUNS, MIN_TIME=$MIN_TIME, sizes: $SIZES). Wall times in seconds: median, min, max over"
  echo "the runs counted (after one warm-up run; fast commands run until MIN_TIME s are measured);"
  echo "peak RSS in MiB, the largest of the runs;"
  echo "ratio = the tool's median over hylint check's median on the same tree."
  echo "Synthetic trees replicate the corpus (include, extends and anchors kept; container names,"
  echo "networks, addresses and host ports renamed per copy). dclint 3.1.0, compose-lint 0.36.2,"
  echo "docker compose 2.40.3. A dash: not measured (peers only up to PEERS_MAX=$PEERS_MAX files;"
  echo "the oracle on the corpus and the smallest tree). Wall times are net of the harness's own"
  echo "cost, ${overhead} s per run (a subshell, GNU time and \`bash -c\` running \`true\`, measured the"
  echo "same way), as hyperfine subtracts the shell's start-up. The two reference rows are not"
  echo "linters: \`find .\` walks the tree and \`find\` + \`cat\` also reads every compose file, each"
  echo "on one core; they show what the file system alone costs on that tree."
  echo
  echo "| tree | compose files | tool | median | min | max | runs | peak MiB | ratio |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
  echo
  echo "## Growth"
  echo
  echo "\`hylint check\` on each tree and the next larger one, run alternately (one warm-up each, then"
  echo "GROWTH_RUNS=$GROWTH_RUNS rounds), so that both medians come from the same minutes: the rows above are"
  echo "measured minutes apart, and a ratio of two of them carries the machine's drift in speed."
  echo
  echo "| compose files | files ratio | medians (s) | rounds | time ratio |"
  echo "| --- | --- | --- | --- | --- |"
  printf '%s\n' "${growth[@]}"
} > "$OUT"
cat "$OUT"
