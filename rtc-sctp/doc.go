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
// MaxControlPackets. A peer that sends beyond the window, or never finishes a
// message, cannot make the association hold more than about twice
// ReceiveBufferSize.
package sctp
