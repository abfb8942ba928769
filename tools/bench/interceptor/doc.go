// Package interceptorbench compares the per-packet cost of rtc-interceptor's
// default chain (transport-wide numbering and feedback, NACK history and
// generation with RTX, reports) with Pion's default interceptors
// (webrtc.RegisterDefaultInterceptors: NACK generator and responder, report
// sender and receiver, stats, TWCC feedback), sending and receiving, in one
// interleaved run:
//
//	go test -bench . -benchmem -count 5
//
// BenchmarkSpeedup alternates batches of ours and Pion on the same packets
// and reports the median ratio time(Pion)/time(ours) as "x-vs-pion".
package interceptorbench
