#!/usr/bin/env bash
# Every fuzz target of every module, for the nightly workflow
# (.github/workflows/nightly.yml); tools/test.sh keeps the per-commit smoke.
#
# Usage:
#   bash tools/fuzz-all.sh list             one "module package target" line per fuzz target
#   bash tools/fuzz-all.sh run SHARD SHARDS run the targets whose index i in the list has
#                                           i % SHARDS == SHARD, FUZZTIME each
#   bash tools/fuzz-all.sh long             the SANSRTC_LONG=1 tests of every module
# Environment:
#   FUZZTIME=10m      how long each target runs
#   FUZZ_MATCH=regex  only targets whose "module package target" line matches
#   ARTIFACTS=dir     where a failing input is copied, under its module path
#                     (default fuzz-artifacts); drop it into the repository to
#                     add it to the target's corpus
# Targets are discovered as tools/test.sh does (go test -list '^Fuzz'). A
# failure prints the failing input and the end of the fuzzer's output, the
# other targets still run, and the script exits 1 at the end.
#
# tools/test.sh sources this file for fuzz_one (the one copy of the retry
# rule); sourced, it only defines the functions.
set -uo pipefail

# The workspace's modules, relative to the root, in go.work order.
modules() {
	go list -m -f '{{.Dir}}' | sed "s#^$root/##; s#^$root\$#.#"
}

list() {
	local m pkg dir fz names
	for m in $(modules); do
		for pkg in $(cd "$m" && go list ./...); do
			dir=$(cd "$m" && go list -f '{{.Dir}}' "$pkg")
			grep -lq '^func Fuzz' "$dir"/*_test.go 2>/dev/null || continue
			# A package whose tests do not build is listed as a failing target.
			names=$(cd "$m" && go test -list '^Fuzz' "$pkg") || { echo "$m $pkg BUILD_FAILED"; continue; }
			for fz in $(echo "$names" | grep '^Fuzz'); do
				echo "$m $pkg $fz"
			done
		done
	done
}

# fuzz_one runs one fuzz target for FUZZTIME, its output in outfile. The Go
# fuzzer sometimes ends a short time-boxed run with "context deadline
# exceeded" and no failing input (a toolchain race when -fuzztime expires
# while a worker is busy, seen on loaded machines: go.dev/issue/75804, fixed
# in Go 1.27); that run is retried, at most twice. A real finding always
# writes its input ("Failing input written to ...") and fails at once.
fuzz_one() { # module package target outfile
	local try
	for try in 1 2 3; do
		if (cd "$1" && go test -run '^$' -fuzz "^${3}\$" -fuzztime "$FUZZTIME" -parallel 2 "$2" >"$4" 2>&1); then
			return 0
		fi
		grep -q 'Failing input written to' "$4" && return 1
		grep -q 'context deadline exceeded' "$4" || return 1
		echo "     $3: fuzzer stopped with 'context deadline exceeded' and no failing input; retrying"
	done
	return 1
}

# report prints and saves the failing input named in a fuzzer's output.
report() { # module package target outfile
	local rel dir input
	tail -60 "$4"
	rel=$(grep -o 'Failing input written to [^ ]*' "$4" | head -1 | sed 's/^Failing input written to //')
	[ -n "$rel" ] || { echo "(no failing input was written)"; return; }
	dir=$(cd "$1" && go list -f '{{.Dir}}' "$2")
	case $rel in /*) input=$rel ;; *) input=$dir/$rel ;; esac
	echo "--- failing input $input:"
	cat "$input"
	mkdir -p "$ARTIFACTS/${dir#"$root"/}/testdata/fuzz/$3"
	cp "$input" "$ARTIFACTS/${dir#"$root"/}/testdata/fuzz/$3/"
}

run() { # shard shards
	local shard=$1 shards=$2 i=0 n=0 failed=() m pkg fz out
	local log
	log=$(mktemp -d)
	while read -r m pkg fz; do
		if [ $((i % shards)) -eq "$shard" ]; then
			n=$((n + 1))
			out="$log/$fz"
			echo "== $pkg $fz ($FUZZTIME)"
			if [ "$fz" = BUILD_FAILED ]; then
				(cd "$m" && go vet "$pkg")
				failed+=("$pkg (tests do not build)")
			elif fuzz_one "$m" "$pkg" "$fz" "$out"; then
				echo "ok"
			else
				report "$m" "$pkg" "$fz" "$out"
				failed+=("$pkg $fz")
			fi
		fi
		i=$((i + 1))
	done < <(list | grep -E "${FUZZ_MATCH:-.}")
	rm -rf "$log"
	echo "shard $shard/$shards: $n of $i targets, ${#failed[@]} failed"
	[ ${#failed[@]} -eq 0 ] || { printf 'FAILED: %s\n' "${failed[@]}"; return 1; }
}

long() {
	local m failed=()
	for m in $(modules); do
		echo "== $m (SANSRTC_LONG=1)"
		(cd "$m" && SANSRTC_LONG=1 go test -count=1 -timeout 150m ./...) || failed+=("$m")
	done
	[ ${#failed[@]} -eq 0 ] || { printf 'FAILED: %s\n' "${failed[@]}"; return 1; }
}

# Sourced (by tools/test.sh): the functions only.
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
	return 0
fi

cd "$(dirname "$0")/.."
root=$PWD
FUZZTIME=${FUZZTIME:-10m}
ARTIFACTS=${ARTIFACTS:-fuzz-artifacts}
case $ARTIFACTS in /*) ;; *) ARTIFACTS=$root/$ARTIFACTS ;; esac

case ${1:-} in
list) list ;;
run) [ $# -eq 3 ] || { echo "usage: $0 run SHARD SHARDS" >&2; exit 2; }; run "$2" "$3" ;;
long) long ;;
*) sed -n '5,10p' "$0" >&2; exit 2 ;;
esac
