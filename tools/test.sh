#!/usr/bin/env bash
# Runs every check of the sansrtc workspace, as CI does:
#
#   1. installs what the interop tests need (chromium, firefox-esr, coturn, openssl, GStreamer, tshark) when missing
#   2. gofmt, go vet and the sans-I/O purity check
#   3. the tests of every module in the workspace, then again per module with
#      GOWORK=off (as a user who vendors only that module builds it)
#   4. every benchmark once (-benchtime 1x), so none rots
#   5. a short fuzz smoke of every fuzz target
#
# Usage: bash tools/test.sh
# Environment:
#   FUZZTIME=3s             how long each fuzz target runs (0 skips the smoke)
#   SANSRTC_SKIP_INSTALL=1  do not install Debian packages
#   SANSRTC_REQUIRE_INTEROP set to 1 by default in CI: interop tests fail,
#                           instead of skipping, when a peer binary is missing
#   SANSRTC_LONG=1          also run the long soak tests
set -uo pipefail

cd "$(dirname "$0")/.."
root=$PWD

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH=/usr/local/go/bin:$PATH
fi
export PATH=$PATH:$(go env GOPATH)/bin

FUZZTIME=${FUZZTIME:-3s}
if [ "${CI:-}" = "true" ]; then
	export SANSRTC_REQUIRE_INTEROP=${SANSRTC_REQUIRE_INTEROP:-1}
fi

modules=(rtc-shared rtc-stun rtc-sdp rtc-rtp rtc-rtcp rtc-srtp rtc-dtls rtc-sctp rtc-datachannel
	rtc-turn rtc-ice rtc-interceptor rtc-media rtc tools)

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
failures=()
step() { printf '\n== %s\n' "$*"; }
fail() { failures+=("$1"); printf 'FAILED: %s\n' "$1"; }

# --- 1. Real peers for the interop tests --------------------------------------
install_packages() {
	local missing=()
	command -v chromium >/dev/null 2>&1 || missing+=(chromium)
	command -v turnserver >/dev/null 2>&1 || missing+=(coturn)
	# GStreamer: reference media files and decoders for tools/interop/gstreamer.
	command -v gst-launch-1.0 >/dev/null 2>&1 ||
		missing+=(gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav)
	command -v openssl >/dev/null 2>&1 || missing+=(openssl)
	command -v firefox-esr >/dev/null 2>&1 || missing+=(firefox-esr)
	command -v tshark >/dev/null 2>&1 || missing+=(tshark)
	# tools/interop/network: a private LAN in a namespace (ip, veth) and nftables.
	command -v ip >/dev/null 2>&1 || missing+=(iproute2)
	command -v nft >/dev/null 2>&1 || missing+=(nftables)
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=
	[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo=sudo
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "apt-get not found; cannot install ${missing[*]}"
		return 0
	fi
	echo "installing ${missing[*]}"
	$sudo apt-get update -qq >"$log/apt" 2>&1 &&
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >>"$log/apt" 2>&1 ||
		{ tail -20 "$log/apt"; echo "package install failed"; }
}
step "peers: chromium, firefox-esr, coturn, openssl, gstreamer, tshark"
if [ "${SANSRTC_SKIP_INSTALL:-}" != 1 ]; then install_packages; fi
for b in chromium firefox-esr turnserver openssl gst-launch-1.0 tshark ip nft; do
	printf '%-10s %s\n' "$b" "$(command -v $b || echo missing)"
done
# coturn's Debian package starts a system service; the tests start their own.
if command -v systemctl >/dev/null 2>&1; then systemctl stop coturn >/dev/null 2>&1 || true; fi

# --- 2. Static checks ----------------------------------------------------------
step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "$unformatted"; fail "gofmt"; else echo "ok"; fi

step "sans-I/O purity"
bash tools/purity.sh || fail "purity"

step "go mod verify and download"
for m in "${modules[@]}"; do
	(cd "$m" && GOWORK=off go mod download >/dev/null 2>&1) || true
done

step "doc comments on every exported name"
(cd tools && go run ./cmd/doccheck -root ..) || fail "doccheck"

step "go vet"
for m in "${modules[@]}"; do
	(cd "$m" && go vet ./...) || fail "vet $m"
done

# Embedded peers run on 32-bit ARM: every module, tests included, must build
# where int is 32 bits (a constant past 2^31 in an int does not).
step "32-bit build (GOARCH=arm, go vet)"
for m in "${modules[@]}"; do
	(cd "$m" && GOARCH=arm GOARM=7 go vet ./...) || fail "32-bit vet $m"
done

# --- 3. Tests --------------------------------------------------------------------
passed=0 failed=0 skipped=0
count_results() { # file
	local p f s
	p=$(grep -cE '^\s*--- PASS' "$1")
	f=$(grep -cE '^\s*--- FAIL' "$1")
	s=$(grep -cE '^\s*--- SKIP' "$1")
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}
run_tests() { # label module env...
	local label=$1 m=$2
	shift 2
	local out="$log/test-$label-$m"
	if (cd "$m" && env "$@" go test -v -timeout 5m ./... >"$out" 2>&1); then
		grep -E '^(ok|\?|FAIL|---)' "$out" | grep -vE '^\s*--- (PASS|SKIP)' | grep -v '^?' || true
	else
		# The failing tests and packages first (the tail may not reach them).
		grep -E '^\s*--- FAIL|^FAIL|^panic:' "$out" | head -40
		grep -B 30 -E '^\s*--- FAIL' "$out" | grep -vE '^(=== (RUN|PAUSE|CONT|NAME)|\s*--- PASS)' | tail -120
		echo "-- last lines:"
		cat "$out" | grep -vE '^(=== (RUN|PAUSE|CONT|NAME)|\s*--- PASS)' | tail -60
		fail "tests ($label) $m"
	fi
	grep -E '^\s*--- SKIP' "$out" | sed 's/^/  /' || true
	count_results "$out"
}

step "tests (workspace)"
for m in "${modules[@]}"; do run_tests workspace "$m" GOWORK=; done

step "tests (each module alone, GOWORK=off)"
for m in "${modules[@]}"; do run_tests alone "$m" GOWORK=off; done

# --- 4. Benchmarks, once each ------------------------------------------------------
step "benchmarks (one iteration each)"
for m in "${modules[@]}"; do
	out="$log/bench-$m"
	if (cd "$m" && go test -run '^$' -bench . -benchtime 1x ./... >"$out" 2>&1); then
		printf '%-18s %s benchmarks ok\n' "$m" "$(grep -c '^Benchmark' "$out")"
	else
		tail -50 "$out"
		fail "benchmarks $m"
	fi
done

# --- Releases -------------------------------------------------------------------------------------
step "release check (tools/release.sh check)"
bash tools/release.sh check || fail "release check"

# --- 5. Fuzz smoke ----------------------------------------------------------------------
# fuzz_one (module package target outfile) runs one fuzz target for
# FUZZTIME, retrying the toolchain's "context deadline exceeded" stop that
# comes without a failing input; it is defined once, in tools/fuzz-all.sh.
source "$root/tools/fuzz-all.sh"

if [ "$FUZZTIME" != 0 ]; then
	step "fuzz smoke ($FUZZTIME per target)"
	nfuzz=0
	for m in "${modules[@]}"; do
		for pkg in $(cd "$m" && go list ./...); do
			dir=$(cd "$m" && go list -f '{{.Dir}}' "$pkg")
			ls "$dir"/*_test.go >/dev/null 2>&1 || continue
			grep -lq '^func Fuzz' "$dir"/*_test.go 2>/dev/null || continue
			for fz in $(cd "$m" && go test -list '^Fuzz' "$pkg" | grep '^Fuzz'); do
				nfuzz=$((nfuzz + 1))
				out="$log/fuzz-$fz"
				if fuzz_one "$m" "$pkg" "$fz" "$out"; then
					printf 'ok   %s %s\n' "$pkg" "$fz"
				else
					tail -40 "$out"
					fail "fuzz $pkg $fz"
				fi
			done
		done
	done
	echo "$nfuzz fuzz targets"
fi

# --- Summary ---------------------------------------------------------------------------------
step "summary"
if [ ${#failures[@]} -gt 0 ]; then
	printf 'failed step: %s\n' "${failures[@]}"
	[ "$failed" -eq 0 ] && failed=${#failures[@]}
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ ${#failures[@]} -eq 0 ]
