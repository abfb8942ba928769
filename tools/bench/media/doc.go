// Package mediabench compares rtc-media with Pion's pkg/media (pinned in
// tools/go.mod: pion/webrtc v4.2.20) on the same inputs, in one run:
//
//	go test -bench . -benchmem -count 5
//
// BenchmarkSpeedup alternates batches of ours and Pion's on the same input
// and reports the median ratio time(Pion)/time(ours) as "x-vs-pion"; the
// per-implementation benchmarks report allocations and cpu-ns/op (thread
// CPU time, steadier than wall time on a shared machine).
//
//   - JitterBuffer: one VP8 packet (1000-byte payload, 3 per frame) pushed
//     and the completed frames popped, against samplebuilder.
//   - IVFRead/IVFWrite: a 100-frame VP8 IVF file read frame by frame into a
//     reused buffer, against ivfreader; single-packet VP8 RTP frames
//     depayloaded and written, against ivfwriter.WriteRTP.
//   - OggRead/OggWrite: a 250-packet Ogg Opus file read packet by packet,
//     against oggreader's pages; Opus RTP payloads written, against
//     oggwriter.WriteRTP.
package mediabench
