// Package datachannel implements WebRTC data channels (RFC 8831) and the
// Data Channel Establishment Protocol (RFC 8832) on top of package sctp,
// as a sans-I/O state machine.
//
// # How a PeerConnection composes it
//
// The PeerConnection owns one Manager per SCTP transport (one per BUNDLE
// group with an m=application section), created once the DTLS role is known
// (after the offer/answer sets a=setup). The Manager owns the
// sctp.Association; nothing else talks to it.
//
//	m, _ := datachannel.New(datachannel.Config{
//		DTLSClient: dtlsRole == client,          // even stream ids for the DTLS client, odd for the server
//		SCTP: sctp.Config{
//			RemotePort:         remoteSDP.SCTPPort,       // a=sctp-port (default 5000)
//			PeerMaxMessageSize: remoteSDP.MaxMessageSize, // a=max-message-size (0 in SDP -> pass -1)
//		},
//	})
//	// when DTLS is connected (both sides do this; the INIT collision resolves):
//	m.Connect(now)
//	// DTLS application data in:          m.HandleRead(shared.TaggedBytes{Now: now, Message: plaintext})
//	// SCTP packets out, to DTLS:          for p, ok := m.PollWrite(); ok; p, ok = m.PollWrite() { dtls.HandleWrite(p.Message) }
//	// timers:                             m.PollTimeout() / m.HandleTimeout(now)
//
// Channels are created with Open. An in-band channel (Options.Negotiated
// false) gets the lowest free stream id of this side's parity and sends
// DATA_CHANNEL_OPEN once the association is up; EventOpen reports it open.
// A negotiated channel uses Options.ID on both sides, sends no DCEP message,
// and opens when the association is up. When the peer opens a channel
// in-band, EventDataChannel reports it (already open; read its Info with
// Channel).
//
// Messages: HandleWrite(Message{Channel, Binary, Data}) (or Send) and
// PollRead. Strings and binaries use PPID 51 and 53; empty ones are sent
// as one zero byte with PPID 56 or 57 and come out of PollRead as empty,
// non-nil slices. The deprecated partial PPIDs 52 and 54 are joined on
// receive. Messages are delivered whole.
//
// Closing: CloseChannel resets the outgoing stream once its queued data is
// sent (RFC 8831 §6.7); the peer sees EventClosing, resets its side, and
// both see EventClose, after which the id may be reused. Close shuts the
// whole association down. BufferedAmount and SetBufferedAmountLowThreshold
// give the W3C bufferedAmount semantics; EventBufferedAmountLow fires when
// the amount falls to the threshold.
//
// After any Handle* call, drain PollWrite, PollEvent and PollRead until
// each reports false, then wait for PollTimeout. One pass is enough: while
// an event or a packet is pending (such as the window update the
// association owes after PollRead), PollTimeout reports the latest time
// seen (TimeoutReason "pending"). Events lost to a full queue are reported
// by the Handle* call (shared.ErrQueueFull); ErrClosed wraps
// shared.ErrClosed. Close closes every channel at once (EventClose each,
// then EventClosed); nothing more is read or notified after it.
//
// # Limits
//
// MaxChannels bounds the channels of each side (the peer's apart from
// ours); MaxOpenLabelBytes the label plus protocol of one channel and
// MaxLabelBytes those of all channels of one side; MaxEvents the event
// queue; MaxReadBuffer the received messages waiting for PollRead (beyond
// it they stay in the association, whose window closes, so a slow reader
// slows the peer down) and the deprecated partial messages being joined,
// which are also held to the maximum message size (the rest of an
// oversized one is discarded); the SCTP config bounds message sizes and
// buffers. A DATA_CHANNEL_OPEN on a stream of our own parity, on a stream
// in use, or beyond a limit is counted and refused (its stream is reset).
//
// Priority (RFC 8832 §5.1; W3C very-low 128, low 256, medium 512, high
// 1024) weights the SCTP stream scheduler: backlogged channels share the
// link in proportion to it.
//
// # Known gaps
//
// The association offers 65535 streams each way; a channel id at or above
// the negotiated count fails when the association comes up.
package datachannel
