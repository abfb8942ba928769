// Package rtc is a sans-I/O RTCPeerConnection: JSEP offer/answer (RFC 8829),
// one bundled ICE transport (RFC 8445, max-bundle, rtcp-mux), DTLS over the
// selected candidate pair with the certificate checked against
// a=fingerprint (RFC 8122, RFC 8827), SCTP over DTLS (RFC 8261) and data
// channels over SCTP (RFC 8831, DCEP RFC 8832), and RTP media over SRTP
// keyed by DTLS-SRTP (RFC 5764) with tracks, transceivers, simulcast and
// the rtc-interceptor chain, composed from the sansrtc layers (rtc-ice,
// rtc-dtls, rtc-datachannel with rtc-sctp, rtc-srtp, rtc-rtp,
// rtc-interceptor). It never touches a socket, a clock or a goroutine;
// package rtc/driver runs it on UDP sockets.
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
// option, DataChannel.Send/SendText/Close, RestartICE, AddTransceiver,
// GetStats (a W3C RTCStatsReport, JSON-ready; stats.go) and Close.
//
// # Media
//
// The W3C media API in Go form (webrtc §5). A Track is a description (id,
// kind, stream ids, codec): media does not flow through it. AddTrack
// (reusing a transceiver a remote offer created, W3C §5.1), RemoveTrack,
// AddTransceiver(kind, TransceiverInit) and AddTransceiverTrack (direction,
// stream ids, send encodings with rid, Inactive, MaxBitrate,
// ScaleResolutionDownBy), Transceiver.SetDirection, Stop,
// SetCodecPreferences, Sender.ReplaceTrack; Senders, Receivers,
// Transceivers; EventTrack (Transceiver, Track, Streams from a=msid).
//
// Answers follow W3C createAnswer (RFC 8829 §5.3.1): each RTP section's
// direction is the transceiver's at CreateAnswer time, within the
// offer's, so the answerer pattern "SetRemoteDescription(offer), AddTrack
// (or SetDirection), CreateAnswer" sends: a recvonly offer is answered
// sendonly, a sendrecv one sendrecv. A section rejected (no common codec)
// is answered with port zero, the offered formats and their a=rtpmap.
// EventTrack fires, and Receiver().Track is set, when the remote
// description (offer or answer) that sends on a section is applied (W3C
// "process the addition of a remote track"), once until the peer stops
// sending on it; a rolled-back remote offer does not take the event back.
//
//	s, _ := pc.AddTrack(rtc.Track{Kind: rtc.MediaKindVideo, StreamIDs: []string{"cam"},
//		Codec: rtc.Codec{Name: "VP8", ClockRate: 90000}})
//	// ... negotiate, connect ...
//	_ = s.WriteSample(rtc.Sample{Data: frame, Duration: 33 * time.Millisecond}) // packetized by rtc-rtp
//	_ = s.WriteRTP("", pkt)                                                    // forwarding
//	m, _ := pc.PollRead() // m.Kind == rtc.MessageRTP: m.Transceiver, m.RID, m.Data (a view)
//	pc.ReleaseRead(m)
//
// Negotiation: the codec registry (Configuration.AudioCodecs/VideoCodecs,
// DefaultAudioCodecs/DefaultVideoCodecs: Opus, RED, G.722, PCMU, PCMA, VP8,
// VP9 profiles 0 and 2, H.264 profiles and packetization modes, H.265, AV1,
// each video codec with RTX; rtcp-fb nack, nack pli, ccm fir, goog-remb,
// transport-cc) is offered; a remote offer is answered with the codecs
// both sides have (Codec.Matches: RFC 6184 §8.2.2 for H.264, VP9
// profile-id, AV1 profile) with the offerer's payload types; a section
// with none is rejected and reported (EventError, ErrNoCodec). Header
// extensions (mid, rid, repaired-rid, abs-send-time, transport-wide-cc,
// ssrc-audio-level, video-orientation, toffset, playout-delay,
// dependency-descriptor, abs-capture-time) get one id per URI across the
// BUNDLE group (RFC 8285 §6, RFC 8843 §9.2). A sender announces its
// stream with a=msid and a=ssrc (a=ssrc-group:FID for RTX), or, with
// several encodings, a=rid send and a=simulcast (RFC 8853); a remote
// simulcast offer is answered a=rid recv, a=simulcast:recv. Stopped
// transceivers reject their m-section at the next offer; a later
// transceiver recycles the slot (RFC 8829 §5.2.2).
//
// The path: use_srtp is offered with AEAD_AES_128_GCM, AEAD_AES_256_GCM,
// AES128_CM_HMAC_SHA1_80 and _32 (Configuration.SRTPProfiles); once DTLS
// connects, rtc-srtp keys both contexts from the exporter. A received
// SRTP packet is decrypted into a pooled buffer (one pass, no other copy)
// and routed (RFC 8843 §9.2) by SSRC, else by the MID extension, else by a
// payload type only one transceiver negotiated; the RID extension names
// its simulcast layer, and RTX (by a=ssrc-group:FID, repaired-rid, or an
// RTX payload type) is turned back into the packet it repairs (RFC 4588
// §4). It then passes the interceptor chain and comes out of PollRead as a
// view; ReleaseRead gives the buffer back. Sending, WriteRTP sets the
// encoding's SSRC, a negotiated payload type, the MID and RID extensions,
// and rewrites sequence number and timestamp with the encoding's Forwarder
// so a forwarded stream stays continuous across source switches; the chain
// numbers it (transport-cc) and keeps it for retransmission; SRTP
// protects it into a pooled buffer that ReleaseWrite gives back. A
// forwarded packet costs about 2 µs and allocates nothing
// (BenchmarkForwardPacket). WriteRTCP (or HandleWrite with MessageRTCP)
// sends the application's RTCP; received RTCP comes out of PollRead too.
//
// The chain (rtc-interceptor, built by gcc.NewChain: NACK and RTX, SR/RR,
// transport-wide congestion control with GCC, keyframe requests) sits
// between the media part and SRTP; its timers are in PollTimeout
// (TimeoutReason "media/..."). Configuration.NewInterceptorChain replaces
// it, InterceptorUnits add units, DisableInterceptors removes it. Its
// events become EventKeyframeRequest (forward it with RequestKeyframe) and
// EventTargetBitrate. With Configuration.Pacing, written RTP waits in
// rtc-interceptor's pacer (2.5 × the target, audio first; 2048 packets or
// 2 MB, then ErrPacerFull) and is numbered and protected when it leaves; MediaStats has the target bitrate, NACK and
// retransmission counts, and the drops (SRTP authentication and replay,
// unrouted RTP, unknown payload types). OutboundStreams, InboundStreams,
// SRTPStats, SRTPProfile and ChainStats give getStats (stats.go) its
// sources.
//
// Bad media input is dropped, counted, and returned by HandleRead as a
// clear error (ErrUnroutedRTP, ErrUnknownPayloadType, ErrTooManySSRCs, an
// srtp error in a *LayerError); the connection keeps serving.
//
// # The drive loop
//
// A PeerConnection offers the eight verbs of the sansrtc contract
// (shared.Protocol). After any Handle* (or any JSEP or channel call),
// make one pass, in this order:
//
//	pc.HandleRead(shared.TaggedBytes{Now: now, Transport: tc, Message: datagram})
//	for { dg, ok := pc.PollWrite(); if !ok { break }; sendFrom(dg.Transport.Local, dg.Transport.Peer, dg.Message) }
//	for { ev, ok := pc.PollEvent(); if !ok { break }; handle(ev) }       // rtc.Event, Kind says which
//	for { m, ok := pc.PollRead(); if !ok { break }; deliver(m) }         // rtc.Message: data, RTP or RTCP
//	deadline, ok := pc.PollTimeout()                                     // then HandleTimeout(deadline)
//
// One pass is enough (the contract's drain rule): when a Poll* creates
// output after its queue was drained (PollRead pulling messages out of
// SCTP makes it owe the peer a window update), PollTimeout returns now
// (the latest time seen; TimeoutReason "pending"), so the caller calls
// HandleTimeout at once and makes another pass. rtc-shared/contracttest
// checks this, and TestDriveLoopFullReadQueue runs the loop to the letter.
//
// For HandleRead, Transport.Local is the address the datagram arrived on
// and Transport.Peer where it came from; PollWrite says which local address
// to send from and where to. One 5-tuple carries everything: HandleRead
// demultiplexes by the first byte (RFC 7983, RFC 9443) to ICE/STUN (and
// TURN channel data), DTLS, or SRTP/SRTCP (RTP and RTCP split by RFC 5761
// §4). DTLS, RTP and RTCP are accepted only from the ICE selected pair.
//
// HandleEvent takes a Command (add a candidate or a local address, restart
// ICE, close a channel) and HandleWrite a Message; both are the same as
// the named methods. PollRead and HandleWrite share one Message type for
// data channel messages, RTP and RTCP (Kind says which), so media joins
// the same read and write paths without copies: an RTP or RTCP Message is
// a view of the datagram, given back with ReleaseRead.
//
// # Inside: four parts, calls going downward
//
// The PeerConnection composes four parts. Each owns its state and its
// deadline and never calls the PeerConnection; they report W3C events,
// received messages and counters into one sink the PeerConnection owns:
//
//   - negotiation (negotiation.go, apply.go, validate.go, sections.go,
//     jsep.go): JSEP (RFC 8829). Descriptions, m-sections, transceivers,
//     rollback; each step validates by RFC step before anything changes.
//   - transport (transport.go, transport_ice.go): the ICE agent and DTLS
//     over the selected pair, and the outbox of datagrams.
//   - data (data.go, data_events.go): the SCTP association
//     (rtc-datachannel's Manager) and the data channels.
//   - media (media.go): the routing point for RTP and RTCP; with issue 13
//     the SRTP contexts, the stream table and the senders and receivers.
//
// The PeerConnection owns the drain order, in one place (loop.go, step):
// transport (ICE events, DTLS output and events), settle (start SCTP over
// a connected DTLS, end it when DTLS ends, derive the connection state),
// records (DTLS plaintext to SCTP), data (SCTP events and messages), pump
// (SCTP packets through DTLS to the outbox while it has room).
//
// A part reaches its machine only through an accessor that marks the
// machine's cached deadline stale (partTimer), so PollTimeout is cheap when
// idle (a few comparisons whatever the number of channels,
// BenchmarkPollTimeoutIdle) with no invalidation placed by hand.
//
// # Trace: one received datagram
//
// An SCTP DATA chunk carrying a data channel message, from the socket to
// PollRead:
//
//  1. PeerConnection.HandleRead: stun.Classify says DTLS (RFC 7983).
//  2. transport.handleDTLS: the 5-tuple is the selected pair (onPath).
//  3. transport.feedDTLS: dtls.Conn.HandleRead decrypts the record.
//  4. PeerConnection.step: transport.drain moves DTLS output and events.
//  5. PeerConnection.records: transport.pollRecord returns the plaintext.
//  6. data.handleRecord: datachannel.Manager.HandleRead (SCTP) takes it.
//  7. transport.releaseRecord gives the record buffer back to DTLS.
//  8. data.drainEvents: SCTP/DCEP events become channel events.
//  9. data.pullReads: datachannel.Manager.PollRead returns the message.
//  10. data.deliver: the sink's read queue gets a Message.
//  11. PeerConnection.pump: the SACK goes through DTLS to the outbox.
//  12. PollRead pops the Message; PollWrite pops the SACK.
//
// # Trace: one sent message
//
//  1. DataChannel.Send (or HandleWrite with a Message): PeerConnection.send.
//  2. data.send: checks state, max-message-size and MaxBufferedAmount.
//  3. datachannel.Manager.Send queues it in SCTP.
//  4. PeerConnection.step, then pump: while transport.canWrite (DTLS
//     connected, room in the outbox)...
//  5. data.appendPacket: Manager.AppendPacket builds the next SCTP packet.
//  6. transport.writeRecord: dtls.Conn.HandleWrite encrypts it.
//  7. transport.flushDTLS: dtls.Conn.PollWrite returns the record.
//  8. transport.send: the outbox (a relayed pair: the ICE agent wraps it).
//  9. PeerConnection.PollWrite pops it (pumping more if the outbox ran dry).
//
// # Events and errors
//
// Events mirror the W3C ones (signalingstatechange, connectionstatechange,
// iceconnectionstatechange, icegatheringstatechange, icecandidate,
// icecandidateerror, negotiationneeded, datachannel, open,
// bufferedamountlow, closing, close, error, track, and the DTLS and SCTP
// transports' statechange; plus keyframerequest and targetbitrate from
// the interceptor chain). Errors of every layer reach the caller:
// returned from the call that caused them and, when they change state (a
// DTLS alert, an SCTP abort, a fingerprint mismatch), as an EventError
// carrying a *LayerError. Nothing is logged and dropped. Remote candidates
// cut by a limit (MaxRemoteCandidates, or the ICE agent's limits for
// trickled and peer-reflexive ones) are reported by EventICECandidateError.
//
// The event queue is a shared.EventQueue: when it is full the new event is
// dropped and counted, and the Handle* during which it was lost (or the
// next one) returns a *shared.OverflowError (errors.Is
// shared.ErrQueueFull). Received messages that do not fit in the message
// queue wait in SCTP (its receive window closes) until PollRead makes
// room. ErrClosed wraps shared.ErrClosed.
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
// # Real networks
//
// The core never resolves a name, dials, listens or speaks TLS: it asks
// with an event and takes the answer as a command (or the method of the
// same name), so it never blocks.
//
//   - Remote ".local" candidates (stock Firefox offers only those, plus
//     a=end-of-candidates) come out as EventResolveHostname; the caller
//     queries mDNS (rtc-ice/mdns Querier) and answers ResolveHostname
//     (CmdResolveHostname). Unanswered, the peer's checks create a
//     peer-reflexive pair; ICE waits for them (RFC 8445 §7.2.5.3.3, the
//     PAC timer of RFC 8863) instead of failing.
//   - Our own host candidates as ".local" names
//     (Configuration.MDNSHostCandidates, off by default;
//     draft-ietf-mmusic-mdns-ice-candidates §3.1): every host candidate we
//     signal (descriptions and trickle) carries a random "<uuid>.local"
//     name drawn from Configuration.Rand, one per local IP address for the
//     PeerConnection's life, never the IP; server-reflexive and relayed
//     candidates signal raddr 0.0.0.0 (::) rport 0, as Chromium does. Each
//     new name comes out first as EventPublishHostname (Hostname, Addr);
//     PublishedHostnames lists them. The caller answers mDNS queries for
//     them (rtc-ice/mdns Responder.PublishName; rtc/driver's MDNSResolver)
//     until Close. The ICE agent keeps the real addresses: pairing and
//     peer-reflexive matching never see the names. A Configuration flag
//     and not a driver option because the candidate lines are built here:
//     a sans-I/O caller without the driver gets the same behaviour.
//   - ICE-TCP (RFC 6544): AddLocalTCPAddress (CmdAddLocalTCPAddress) for a
//     port the caller listens on gives a passive and an active host
//     candidate, with lower priority than UDP (RFC 6544 §4.2).
//     EventTCPConnect asks the caller to dial; it answers TCPConnected or
//     TCPConnectFailed, and TCPClosed when a connection ends. Segments go
//     to HandleRead and come out of PollWrite with Transport.Protocol
//     shared.TCP, RFC 4571 framed by the agent; DTLS and SRTP on a TCP
//     pair go through the agent like on a relayed pair.
//   - TURN over TCP and TLS (RFC 8656 §3.1): "turn:h:p?transport=tcp" and
//     "turns:h[:5349]" URLs; the datagrams for such a server have
//     Transport.Protocol shared.TCP, and TURNTransport(Transport.Peer)
//     says whether the connection is TLS and the name to verify.
//   - DNS names in ICE server URLs: NewPeerConnection queues
//     EventResolveICEServer per name; the caller answers ResolveICEServer
//     (CmdResolveICEServer) with the addresses found, none if the lookup
//     failed. Gathering completes after every answer.
//   - DTLS starts as soon as it can work: the client's first flight is
//     resent when the peer nominates the selected pair (rtc-ice
//     EventPairNominated) or its first check arrives after the flight
//     (RFC 6347 §4.2.4 allows other triggers than the timer), and the
//     first retransmission timeout is twice the ICE RTT clamped to
//     50 ms..3 s, 1 s without an RTT (libwebrtc's choice).
//
// # Known gaps
//
//   - Media: the pacer is optional (Configuration.Pacing; off, packets
//     leave as written) and GCC probing is off (no padding or probe
//     clusters, gcc DisableProbing); simulcast
//     encodings retransmit in-band (no RTX stream per rid); header
//     extensions of a forwarded packet other than MID and RID are removed
//     (their ids belong to the source's session); a=extmap-allow-mixed and
//     two-byte ids are not offered; the jitter buffer (rtc-media) is the
//     application's; remote track ids come from a=msid (W3C ids are
//     otherwise random). When the peer stops sending, the receiver's
//     track is not muted (no W3C "process the removal of a remote
//     track" event); it is replaced if the peer sends again.
//   - SDP munging is refused; the description applied must be the one
//     created. Only one BUNDLE group; balanced and max-compat bundle
//     policies gather as max-bundle.
//   - A DTLS role change (a new DTLS association, RFC 8842 §5.5) is
//     refused. Rolling back a remote offer restores the m-sections and
//     transceivers but not the ICE agent: remote credentials (an ICE
//     restart the offer started) and candidates stay applied.
//   - stuns: URLs are refused. With MDNSHostCandidates, names are
//     published for every host address, loopback and public ones
//     included (browsers name private addresses only), and a host
//     address past 32 per PeerConnection is not signalled at all
//     (EventICECandidateError, ErrLimit).
//   - Descriptions are parsed, read and built with rtc-sdp; only the
//     attributes JSEP uses are checked in a remote description (others
//     are kept as text and ignored, RFC 8866 §5.13).
package rtc
