// Package srtpbench compares rtc-srtp with Pion's SRTP (pinned in
// tools/go.mod) and with the raw cost of the cryptography on the same
// inputs, in one run so that the ratios are meaningful on a noisy machine:
//
//	go test -bench . -benchmem -count 5
//
// Every benchmark transforms a 1200-octet payload behind a 12-octet RTP
// header (or an RTCP packet of the same size) and reports MB/s of payload.
// The "raw" ceilings are what any SRTP implementation must at least spend:
// AES-GCM Seal/Open in place for the AEAD profiles, and a crypto/cipher CTR
// stream plus HMAC-SHA1 (state reused with Reset) for AES-CM.
package srtpbench
