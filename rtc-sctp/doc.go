// Package sctp is a sans-I/O SCTP association (RFC 9260) for WebRTC data
// channels, carried over DTLS (RFC 8261), with partial reliability
// (RFC 3758, RFC 7496), stream reconfiguration (RFC 6525), message
// interleaving with I-DATA (RFC 8260), zero checksums over DTLS (RFC 9653)
// and the SDP max-message-size limit (RFC 8841).
//
// An Association never reads a clock, sleeps, starts a goroutine or
// touches a socket. HandleRead takes one SCTP packet (the payload of one
// DTLS application data record); PollWrite returns SCTP packets for the DTLS
// layer to encrypt. The Transport field of TaggedBytes is passed through.
//
// # The drive loop
//
//	a, _ := sctp.New(sctp.Config{PeerMaxMessageSize: fromSDP})
//	a.Connect(now) // both WebRTC peers do this; the INIT collision resolves
//	for {
//		// after any Handle* call:
//		for pkt, ok := a.PollWrite(); ok; pkt, ok = a.PollWrite() { dtls.HandleWrite(pkt.Message) }
//		for ev, ok := a.PollEvent(); ok; ev, ok = a.PollEvent() { ... }
//		for m, ok := a.PollRead(); ok; m, ok = a.PollRead() { ... }
//		deadline, _ := a.PollTimeout()
//		// wait for a DTLS record (a.HandleRead) or the deadline (a.HandleTimeout)
//	}
//
// One pass is enough (the drain rule of rtc-shared): while a packet or an
// event is pending, PollTimeout reports the latest time seen, so the caller
// calls HandleTimeout at once and drains again. That happens when PollRead
// frees receive buffer and a window update is owed. Unread messages are not
// pending output: a caller may hold reading back, and the window closes.
// TimeoutReason names the deadline ("rtx", "sack", "pending", ...). Events
// lost to a full queue (MaxEvents) are reported by the Handle* call with an
// error wrapping shared.ErrQueueFull; ErrClosed wraps shared.ErrClosed.
//
// # Ownership
//
// HandleRead borrows the packet for the duration of the call. HandleWrite
// copies the message. Messages from PollRead and packets from PollWrite
// belong to the caller. AppendPacket builds a packet into the caller's
// buffer without allocating.
//
// # Limits
//
// Every limit is a Config field: MTU, MaxMessageSize and PeerMaxMessageSize,
// ReceiveBufferSize (the advertised window, which also bounds reassembly and
// unread messages), SendBufferSize, MaxGapBlocks, MaxEvents and
// MaxControlPackets. Everything the receiver holds is charged at its real
// cost: the bytes of each held run of fragments and each unread message plus
// 128 bytes for its bookkeeping. A peer that sends beyond the window, floods
// tiny fragments or never finishes a message cannot make the association
// hold more than about twice ReceiveBufferSize (measured: at most 1.26
// times, TestFloodHeap), plus 8 bytes of state per incoming stream used. Bad network input (bad checksum or verification tag,
// malformed chunks, DATA outside the window) is counted in Stats and
// dropped, and HandleRead returns the error; the association carries on.
//
// # Messages and streams
//
// HandleWrite(Message{Stream, PPID, Unordered, Data, Policy, PolicyValue})
// queues one message; it is fragmented to the MTU and, when both sides
// offered I-DATA (RFC 8260), interleaved chunk by chunk with the other
// streams' messages, so a 256 KiB message does not hold up a small one.
// Without I-DATA, streams take turns message by message. Backlogged streams
// share the link in proportion to their SetStreamPriority weights. Policy selects
// PR-SCTP (RFC 3758/7496): PRRetransmits abandons a message after
// PolicyValue retransmissions, PRLifetime after PolicyValue milliseconds.
// ResetStreams resets outgoing streams (RFC 6525), after the data already
// queued on them has been sent; that is how a data channel closes.
// BufferedAmount and SetBufferedAmountLowThreshold follow RTCDataChannel.
//
// # Events
//
// PollEvent returns EventConnected, EventRestarted, the stream reset
// events, EventBufferedAmountLow, EventShutdown, EventPeerError and,
// last, EventClosed with the reason (nil, *AbortError,
// ErrRetransmissionLimit, ErrInitFailed). After Close, EventClosed (Err nil)
// is queued at once and nothing more is read or notified; the SHUTDOWN
// exchange goes on, and State and Err tell how it ended.
//
// # Beyond RFC 9260
//
// Two loss-recovery refinements are on by default: a retransmitted chunk
// counts as missing again only when data sent after its retransmission is
// acknowledged, and may then be fast-retransmitted again instead of waiting
// for T3-rtx (in the spirit of RACK, RFC 8985); and a Fast Recovery whose
// retransmissions the peer all reports as duplicates is undone (RFC 3708
// detection, RFC 4015 response), which keeps reordering from collapsing
// the congestion window.
//
// # Known gaps
//
// Single path only (no multi-homing, ASCONF), no AUTH (RFC 4895), no ECN.
// Incoming SSN Reset, SSN/TSN Reset and Add Streams requests are denied.
// The MTU is fixed (no PMTU discovery). The receive path allocates the buffer of each
// message it hands out: sized from the stream's last message, grown by
// a quarter while fragments arrive if that was too small.
package sctp
