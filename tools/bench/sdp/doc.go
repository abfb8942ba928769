// Package sdp compares rtc-sdp with Pion's sdp (github.com/pion/sdp/v3) on
// the same input: a real Chromium offer (audio, video, data, gathered
// candidates) from rtc-sdp/testdata. Parse+marshal, parse alone and
// marshal alone, side by side in one run:
//
//	go test -bench . -benchmem -count 5 ./bench/sdp
package sdp
