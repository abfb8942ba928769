// Package rtc is a sans-I/O RTCPeerConnection: JSEP offer/answer (RFC 8829),
// one bundled ICE transport (RFC 8445, max-bundle, rtcp-mux), DTLS over the
// selected candidate pair with the certificate checked against
// a=fingerprint (RFC 8122, RFC 8827), SCTP over DTLS (RFC 8261) and data
// channels over SCTP (RFC 8831, DCEP RFC 8832), composed from the sansrtc
// layers (rtc-ice, rtc-dtls, rtc-datachannel with rtc-sctp). It never touches a socket, a clock
// or a goroutine; package rtc/driver runs it on UDP sockets.
//
// # Use
//
//	pc, _ := rtc.NewPeerConnection(rtc.Configuration{
//		LocalAddresses: []netip.AddrPort{addr}, // the UDP socket(s) you own
//	})
//	dc, _ := pc.CreateDataChannel("chat", rtc.DataChannelInit{})
//	offer, _ := pc.CreateOffer()
//	_ = pc.SetLocalDescription(offer)
//	send(pc.LocalDescription()) // carries the candidates gathered so far
//	_ = pc.SetRemoteDescription(answer)
//
// The W3C verbs map one to one: CreateOffer, CreateAnswer,
// SetLocalDescription (a zero Type is the argument-less form),
// SetRemoteDescription (a remote offer in have-local-offer rolls the local
// offer back first), AddICECandidate (an empty candidate is
// end-of-candidates), CreateDataChannel with every RTCDataChannelInit
// option, DataChannel.Send/SendText/Close, RestartICE, AddTransceiver and
// Close.
//
// # The drive loop
//
// A PeerConnection offers the eight verbs of the sansrtc contract. After
// any Handle* (or any JSEP or channel call), drain everything:
//
//	pc.HandleRead(shared.TaggedBytes{Now: now, Transport: tc, Message: datagram})
//	for { dg, ok := pc.PollWrite(); if !ok { break }; sendFrom(dg.Transport.Local, dg.Transport.Peer, dg.Message) }
//	for { ev, ok := pc.PollEvent(); if !ok { break }; handle(ev) }       // rtc.Event, Kind says which
//	for { m, ok := pc.PollRead(); if !ok { break }; deliver(m) }         // data channel messages
//	deadline, ok := pc.PollTimeout()                                     // then HandleTimeout(deadline)
//
// For HandleRead, Transport.Local is the address the datagram arrived on
// and Transport.Peer where it came from; PollWrite says which local address
// to send from and where to. One 5-tuple carries everything: HandleRead
// demultiplexes by the first byte (RFC 7983, RFC 9443) to ICE/STUN (and
// TURN channel data), DTLS, or SRTP/SRTCP.
//
// HandleEvent takes a Command (add a candidate or a local address, restart
// ICE, close a channel) and HandleWrite an OutgoingMessage; both are the
// same as the named methods.
//
// PollTimeout is cheap when idle: each layer's deadline is cached and only
// layers the PeerConnection called since the last poll are asked again, so
// an idle poll costs a few comparisons whatever the number of channels
// (BenchmarkPollTimeoutIdle).
//
// # Events and errors
//
// Events mirror the W3C ones (signalingstatechange, connectionstatechange,
// iceconnectionstatechange, icegatheringstatechange, icecandidate,
// negotiationneeded, datachannel, open, bufferedamountlow, closing, close,
// error). Errors of every layer reach the caller: returned from the call
// that caused them and, when they change state (a DTLS alert, an SCTP
// abort, a fingerprint mismatch), as an EventError carrying a *LayerError.
// Nothing is logged and dropped. A full event queue is reported by the next
// Handle* call (shared.ErrQueueFull) and counted in Stats; received
// messages that do not fit in the message queue wait in SCTP (its receive
// window closes) until PollRead makes room.
//
// # Teardown
//
// A remote close is reported as soon as it arrives, not when ICE consent
// runs out (7 s disconnected, 30 s failed). The states stay the W3C ones:
// PeerConnectionState is derived exactly as W3C §4.3.3 says, which counts a
// closed DTLS transport as connected, so the remote close is reported by
// the transports' own W3C state events:
//
//   - the peer's DTLS close_notify: EventDTLSStateChange with
//     DTLSTransportClosed (a fatal alert: DTLSTransportFailed, which also
//     makes the connection failed); SCTP ends with it
//     (EventSCTPStateChange closed) and every data channel closes;
//   - the peer's SCTP ABORT or SHUTDOWN: EventSCTPStateChange with
//     SCTPTransportClosed, and every data channel closes.
//
// The peer's Close sends both. A driver that carries only data channels
// releases the connection (Close) and its socket on either event.
//
// # Limits
//
// Configuration bounds SDP size (256 KiB), remote candidates (100), data
// channels (1024), message size (256 KiB, advertised as
// a=max-message-size), bytes buffered per channel (16 MiB) and the event,
// message and datagram queues (4096 each). The layers have their own
// limits (rtc-ice, rtc-dtls, rtc-sctp configs, defaults used here).
//
// # Known gaps
//
//   - Media: transceivers and m-sections are modelled (mids, BUNDLE,
//     directions); remote audio/video sections are answered inactive with
//     the offer's first codec (kept in the BUNDLE group), local ones are
//     offered inactive; no RTP flows and SRTP is not wired yet.
//   - SDP munging is refused; the description applied must be the one
//     created. Only one BUNDLE group; balanced and max-compat bundle
//     policies gather as max-bundle.
//   - A DTLS role change (a new DTLS association, RFC 8842 §5.5) is
//     refused. Rolling back a remote offer restores the m-sections and
//     transceivers but not the ICE agent: remote credentials (an ICE
//     restart the offer started) and candidates stay applied.
//   - ICE servers must be IP literals (no DNS in protocol code); turns: and
//     stuns: URLs are not supported.
//   - Descriptions are parsed, read and built with rtc-sdp; only the
//     attributes JSEP uses are checked in a remote description (others
//     are kept as text and ignored, RFC 8866 §5.13).
package rtc
