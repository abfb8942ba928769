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
// reused buffer or message.
package stun
