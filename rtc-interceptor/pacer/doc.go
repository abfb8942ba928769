// Package pacer is a sans-I/O leaky-bucket pacer for RTP: packets pushed
// into it come out of Poll no faster than the pacing rate (the target
// bitrate × Config.PacingFactor, 2.5 by default), so a large video frame
// leaves over a few milliseconds instead of as one burst into the
// bottleneck queue.
//
// Order: audio first, then retransmissions, then video (Class), each class
// in order. Probe clusters (Probe, from gcc.Estimator.PollProbe) go out at
// their own rate (never slower than the target), media first and padding
// requests (Item.Padding, sized MinBytes/MinPackets, at least 200 bytes)
// when nothing is queued; every packet of a cluster carries its
// ProbeCluster id, which the caller hands to Chain.SendRTPProbe. With
// SetPaddingRate, padding also fills an idle link up to that rate.
//
// The queue is bounded (Config.MaxPackets, 2048, and MaxBytes, 2 MB). The
// overflow rule: Push refuses a packet that does not fit with ErrQueueFull
// and leaves it to the caller, who drops it (a video encoder then skips a
// frame or asks for a keyframe); nothing already queued is dropped, and
// refusals are counted (Stats.Refused). At most four probe clusters wait
// (Probe reports false beyond). Memory is fixed at New: 3 × MaxPackets
// entries of T plus 32 bytes each.
//
// Driving it:
//
//	p.Push(now, pkt, size, pacer.ClassVideo) // when the encoder produces
//	for {
//		it, ok := p.Poll(now) // at each deadline
//		if !ok {
//			break
//		}
//		send(it) // SendRTP, or SendRTPProbe when it.ProbeCluster != 0
//	}
//	deadline, ok := p.PollTimeout() // wake then
//
// Time comes only as arguments and never runs backwards inside (an earlier
// now is harmless). Push and Poll allocate nothing (BenchmarkPushPoll:
// about 90 ns per packet pushed and polled).
package pacer
