// Package rtcpbench compares rtc-rtcp with Pion's rtcp (pinned in
// tools/go.mod) on the same inputs, in one run:
//
//	go test -bench . -benchmem -count 5
//
// and cross-checks the two: packets one marshals, the other parses and
// marshals back to the same octets.
package rtcpbench
