// Package stun compares rtc-stun with Pion's stun (github.com/pion/stun/v4,
// with the ICE attributes of github.com/pion/ice/v4) on the same ICE
// Binding request: USERNAME, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE,
// MESSAGE-INTEGRITY, FINGERPRINT. Run both in one process so the ratios
// mean something on a shared machine:
//
//	go test -bench . -benchmem -count 5 ./bench/stun
//
// Decode is parse plus reading USERNAME, PRIORITY, ICE-CONTROLLING and
// USE-CANDIDATE; DecodeVerify adds the MESSAGE-INTEGRITY and FINGERPRINT
// checks; Encode builds the request with integrity and fingerprint into a
// reused buffer or message. Benchmarks report cpu-ns/op (the thread's CPU
// time) next to ns/op: compare those on a busy machine. Sub-benchmarks are
// named impl=sansrtc, impl=pion and impl=pion-ice-path, so that
//
//	go run golang.org/x/perf/cmd/benchstat@latest -col /impl out.txt
//
// prints the ratios with their confidence. Go runs the -count repetitions
// of one sub-benchmark back to back, so load that changes between them
// lands on one side; TestDecodeRatio (SANSRTC_BENCH_RATIO=1) alternates
// short batches of both decoders, and of each one's parse and getters
// alone, and logs quantiles of the time per operation: its ratios are the
// stable ones here.
//
// The package's tests also check interoperation: both encoders produce the
// same bytes; long-term credentials verify both ways with Pion; and
// TestCoturn drives rtc-stun's Client over a real UDP socket against
// coturn (turnserver, started on 127.0.0.1) for a Binding and an
// authenticated Allocate (skipped without turnserver unless
// SANSRTC_REQUIRE_INTEROP=1).
package stun
