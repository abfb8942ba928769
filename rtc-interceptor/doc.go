// Package interceptor holds the sans-I/O RTP/RTCP processing every WebRTC
// endpoint runs between the application and SRTP: NACK generation and
// response with RTX (RFC 4585 §6.2.1, RFC 4588), sender and receiver reports
// with RTT (RFC 3550 §6.4, RFC 3611 RRTR/DLRR), transport-wide congestion
// control numbering and feedback
// (draft-holmer-rmcat-transport-wide-cc-extensions-01, or RFC 8888 CCFB as
// negotiated: Config.CCFB), keyframe requests
// (PLI, FIR; RFC 4585 §6.3.1, RFC 5104 §4.3.1), and the plug point of a
// send-side bandwidth estimator (Estimator; GCC lives in package gcc).
//
// # Units
//
// Each unit is a small state machine that owns its deadline and is usable
// alone, without a Chain or a PeerConnection: NACKGenerator (receiver gaps,
// RTT-aware retries, maximum age and count, bounded window), NACKResponder
// (bounded send history in reused buffers, RTX or in-band, rate-limited),
// ReceiveStats and SendStats (report blocks, SR NTP/RTP mapping, RTT),
// TWCCSender and TWCCReceiver (numbering, feedback, PacketResults),
// CCFBStream (RFC 8888 report blocks),
// KeyframeRequester (throttled PLI/FIR).
//
// # The chain
//
// A Chain runs the units for one transport, bound to its streams
// (BindLocal for what this end sends, BindRemote for what it receives, with
// the SSRC, clock rate, RTX and negotiated rtcp-fb of each). The order is
// fixed:
//
//	send (SendRTP or HandleWrite):
//	  1. TWCC: the transport-wide sequence number extension is set
//	  2. application units (Config.Units), in order
//	  3. the packet is marshalled; NACK history and send statistics record it
//	  4. the Estimator learns the packet was sent
//	receive (ReceiveRTP, or HandleRead with RTP):
//	  1. TWCC: the arrival is recorded
//	  2. RTX is recognized by its SSRC and mapped to its original sequence number
//	  3. receive statistics, then NACK gap detection
//	  4. application units
//	RTCP in (ReceiveRTCP, or HandleRead with RTCP): each packet of the
//	compound in turn: SR/RR (RTT, remote loss to the Estimator), NACK
//	(retransmissions), PLI/FIR (events), transport-cc (PacketResults to the
//	Estimator), REMB, XR RRTR/DLRR, BYE; then application units
//	timers (HandleTimeout, and at the end of every call): NACKs due, TWCC
//	feedback due, the regular report, the Estimator, application units
//
// A unit left out (Config.Disable, or feedback a stream did not negotiate)
// costs nothing per packet: the chain holds a nil pointer and skips it. No
// step allocates in steady state (TestZeroAllocs).
//
// # The drive loop
//
// A Chain is a shared.Protocol[struct{}, *rtp.Packet, Command, Event]:
//
//	buf, err := chain.SendRTP(now, pkt, buf[:0]) // protect buf and send it
//	err = chain.ReceiveRTP(now, decryptedRTP)     // or ReceiveRTCP
//	for m, ok := chain.PollWrite(); ok; m, ok = chain.PollWrite() {
//		send(protect(m.Message)) // RTCP and retransmissions
//		chain.Release(m.Message) // optional: lets the chain reuse the buffer
//	}
//	for ev, ok := chain.PollEvent(); ok; ev, ok = chain.PollEvent() { ... }
//	deadline, ok := chain.PollTimeout() // then chain.HandleTimeout(deadline)
//
// One pass is enough: while output waits, PollTimeout returns the latest
// time seen (TimeoutReason "pending"). HandleWrite is the queued form of
// SendRTP (the packet comes out of PollWrite, in order with the rest);
// PollRead never returns anything, since received packets go on to the
// application unchanged. HandleEvent takes Commands (keyframe requests,
// binds). An event lost to the full event queue is reported by the call
// that lost it with an error for which errors.Is(err, shared.ErrQueueFull)
// holds.
//
// # In the PeerConnection, and replacing or adding units
//
// The PeerConnection builds one Chain per transport from a Config: the
// default chain is the zero Config with TransportCCExtID and ReducedSize
// set from negotiation and the GCC Estimator plugged in (gcc.NewChain; a
// pacer, package pacer, sends probe packets with SendRTPProbe); it binds each
// transceiver's streams as negotiation settles them. An application
// replaces the chain by handing its own Config (Disable to leave built-in
// units out, Estimator to plug another estimator), and adds its own unit
// with Config.Units: a Unit sees every packet after the built-in units and
// may queue RTCP of its own (see Example). Someone running RTP without a
// PeerConnection uses a Chain, or a single unit, the same way.
//
// # Ownership
//
// Bytes handed to SendRTP, ReceiveRTP, ReceiveRTCP and HandleRead are
// borrowed for the call. SendRTP appends to the caller's dst; the packet p
// keeps its transport-cc element, whose payload is the chain's until the
// next SendRTP. PollWrite's bytes belong to the caller; Release hands them
// back for reuse.
//
// # Limits and memory
//
// Every state is bounded, with defaults in each unit's Config:
//   - NACKGenerator: a window of 512 sequence numbers (64 B each, 32 KiB per
//     remote stream); 10 tries, 1 s; at most 128 numbers per NACK.
//   - NACKResponder: 1024 packets of history per local stream (about 100 B
//     of slot and ring entry, plus the packet: at most about 1.3 MiB at
//     1200-octet packets); 1 s; 4 Mbit/s of retransmissions; at most 512
//     numbers taken from one NACK. Packet buffers are taken as packets are
//     sent and those older than 1 s are reused, so a stream holds about
//     the packets of its last second (100 packets at 100 packets/s).
//   - TWCCSender: 2048 packets (48 B each, 96 KiB); TWCCReceiver: 1024
//     arrivals per feedback (16 B each). With CCFB, 1024 arrivals per
//     remote stream (40 B each) and 2048 sequence numbers per local stream
//     (16 B each).
//   - A Chain (1.5 KiB) with at most 64 streams, 256 events and 256 outputs
//     waiting; remote and local streams cost 312 and 160 B plus the above.
//
// # Known limitations
//
//   - RTCP timer reconsideration (RFC 3550 §6.3.3-6.3.7) is left out: the
//     interval is max(Tmin, the members' share of 5% of the bandwidth) with
//     the [0.5, 1.5] dithering of §6.3.1.
//   - The SR's RTP timestamp is extrapolated from the last packet sent, as if
//     it left at its sampling instant; a paced sender's mapping is off by the
//     pacing delay.
//   - Feedback arrivals reported after their packets were already reported
//     lost are dropped by the receiver (counted as Late).
//   - The chain looks streams up linearly: fine for the handful of streams
//     of a PeerConnection, not for thousands on one transport.
package interceptor
