// Package gcc is Google Congestion Control send-side bandwidth estimation
// (draft-ietf-rmcat-gcc-02), sans-I/O: an Estimator fed the chain's
// transport-wide feedback (interceptor.PacketResult), receiver reports, RTT
// and REMB, whose output is a target bitrate. It implements
// interceptor.Estimator; NewChain returns the default chain with it.
//
// # Pieces
//
//   - Arrival-time grouping (§5.2, interarrival.go): packets sent within 5 ms
//     are one group, and so is a burst that a queue released back to back;
//     the delay variation is taken between the last packets of consecutive
//     groups. Arrival times that go backwards or jump by more than 3 s
//     restart the grouping (Stats.GroupResets).
//   - The delay-gradient filter (trendline.go): instead of §5.3's Kalman
//     filter, the slope of a least-squares line through the last 30
//     smoothed accumulated delays (fewer, down to 20, when they span more
//     than 600 ms: low rates), as libwebrtc-style implementations do,
//     scaled by the number of deltas (at most 60) and a gain of 4.
//   - The overuse detector (§5.4): overuse when the scaled slope stays above
//     an adaptive threshold for 10 ms (and two samples) while rising,
//     underuse below minus the threshold; the threshold follows the slope
//     with K_u = 0.0087 when exceeded and K_d = 0.039 otherwise (per ms,
//     clamped to 6..600, the values tuned for this filter).
//   - The AIMD rate controller (§5.5, aimd.go): Increase, Hold and Decrease.
//     Multiplicative increase of 8% a second far from convergence, additive
//     (one 1200-byte packet per RTT + 100 ms) near it, that is once a link
//     capacity (the average acknowledged rate at overuse, with its variance)
//     is known and not exceeded by three deviations. Decrease to 0.85 × the
//     acknowledged rate, at most once per RTT. The increase never passes
//     1.5 × the acknowledged rate + 10 kbit/s.
//   - Capacity drops (beyond the draft): when the last 150 ms of
//     acknowledged rate is under half the smoothed one, the decrease uses
//     it, and a queue predicted above 100 ms (the newest packet's queueing
//     delay plus the bytes sent since, at that rate) is drained too: the new
//     rate is scaled down by the excess over 1 s (at most to 20%), and once
//     the queue is under 30 ms it goes back to 90% of the undrained rate.
//   - Loss-based control (§6, acked.go): from transport-wide feedback over at
//     least 20 packets and 100 ms (or receiver reports without it): over 10%
//     loss the rate becomes A × (1 - 0.5p) (once per 300 ms + RTT), under 2%
//     it grows by 5% (up to 1.5 × the delay-based rate), in between it
//     holds.
//   - The acknowledged bitrate: received bytes per arrival window (500 ms
//     first, then 150 ms), smoothed with a weight that shrinks as a sample
//     departs from the estimate.
//   - ALR detection: an interval budget at 65% of the target over 500 ms; the
//     sender is application limited from 80% unused budget down to 50%.
//   - Probing (probe.go): initial exponential probes at 3 and 6 times the
//     start rate, then twice each result that reached 70% of its probe;
//     every 5 s in ALR, a probe at twice the target; and after a drop below
//     66% of the peak of the last 30 s, a probe at twice the target every
//     2 s once no queue has stood for 1 s (so capacity that comes back is
//     found in seconds, not at 8% a second). A cluster is 5 packets and 15
//     ms at its rate; its result is the lower of the send and receive
//     rates (95% of the receive rate when clearly below). Results only
//     raise the estimates.
//
// The target is the smallest of the delay-based rate, the loss-based rate
// and the last REMB (OnREMB; zero lifts the cap), clamped to
// Config.MinBitrate..MaxBitrate.
//
// # Driving it
//
// The chain calls OnPacketSent, OnFeedback, OnLoss, OnRTT and OnREMB, and
// reports EventTargetBitrate when TargetBitrate changes. The caller gives
// each target to the pacer (pacer.Pacer.SetRate) and moves probe clusters
// from PollProbe to the pacer (pacer.Pacer.Probe); a packet the pacer
// releases with a ProbeCluster goes out through Chain.SendRTPProbe so that
// the feedback names its cluster. The Estimator's one deadline is the
// feedback timeout ("feedback-timeout"): when packets are sent and no
// feedback comes for 3 s, the target falls by 20% every second until it
// does (the feedback path may be broken while the link narrowed).
//
// # Limits and cost
//
// Everything is fixed-size: 8 probe clusters tracked, 4 waiting for the
// pacer, a 30-point filter window, and a ring of 4096 sent-byte marks (64
// KiB) for the in-flight estimate. Nothing allocates after New. One
// feedback of 20 results costs about 3.4 µs and OnPacketSent about 50 ns
// (BenchmarkFeedback, BenchmarkPacketSent; 2-core shared machine).
//
// Bad input never panics (FuzzFeedback): results about packets OnPacketSent
// never saw are counted (Stats.Unknown) and ignored; results sent "in the
// future", with negative sizes, duplicated or out of order are ignored
// (Stats.Ignored);
// unknown probe clusters are ignored; RTTs out of 0..1 min are ignored.
package gcc
