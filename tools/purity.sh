#!/usr/bin/env bash
# The sans-I/O purity check: protocol code takes time, randomness and bytes as
# arguments. It fails if code outside tests, rtc/driver, examples, commands,
# test-support packages and the simulated network reads the clock, sleeps,
# uses timers, starts goroutines, opens sockets or imports math/rand.
set -uo pipefail
cd "$(dirname "$0")/.."

pattern='\btime\.(Now|Since|Until|Sleep|After|AfterFunc|NewTimer|NewTicker|Tick)\(|^\s*go (func|[a-zA-Z_.]+\()|\bnet\.(Dial|DialUDP|DialTCP|Listen|ListenUDP|ListenTCP|ListenPacket)\b|"math/rand(/v2)?"'

files=$(git ls-files 'rtc-*/*.go' 'rtc-*/**/*.go' 'rtc/*.go' 'rtc/**/*.go' 2>/dev/null |
	grep -vE '_test\.go$|(^|/)(examples|driver|cmd|internal/testing|testdata|contracttest)/|sim[^/]*/' | sort -u)
[ -n "$files" ] || { echo "ok (no protocol files yet)"; exit 0; }

hits=$(grep -nE "$pattern" $files | grep -vE '^\S+:[0-9]+:\s*//' || true)
if [ -n "$hits" ]; then
	echo "protocol code must not read the clock, sleep, start goroutines, open sockets or use math/rand:"
	echo "$hits"
	exit 1
fi
echo "ok ($(echo "$files" | wc -l) protocol files)"
