// Package dtls is a DTLS 1.3 and 1.2 client and server (RFC 9147 on RFC
// 8446; RFC 6347 over the TLS 1.2 semantics of RFC 5246), 1.3 preferred,
// written as a sans-I/O state machine: bytes and
// time go in; datagrams, events, application data and the next deadline
// come out. It never reads a clock, sleeps, starts a goroutine or opens a
// socket.
//
// It implements what WebRTC needs (RFC 8827 §6.5, RFC 5764, RFC 8842):
// ECDHE key exchange (X25519, P-256, P-384) with ECDSA or RSA certificates,
// AES-GCM, ChaCha20-Poly1305 and (off by default) AES-CBC-SHA suites,
// use_srtp (profile ids only: rtc-srtp owns the profiles and keys SRTP
// from this package's RFC 5705 exporter), the extended master
// secret (required by default), mutual authentication checked against the
// SDP fingerprints, HelloVerifyRequest cookies, handshake fragmentation and
// reassembly, flight retransmission and anti-replay.
//
// # Creating a Conn
//
//	cert, _ := dtls.GenerateCertificate(now, dtls.KeyECDSAP256)
//	local, _ := cert.Fingerprint("sha-256")     // goes into our SDP: local.String()
//	remote, _ := dtls.ParseFingerprint(sdpLine) // "sha-256 AB:CD:..." from theirs
//	cfg := &dtls.Config{
//		Certificate:      cert,
//		PeerFingerprints: []dtls.Fingerprint{remote},
//		SRTPProfiles:     []uint16{0x0007, 0x0001}, // use_srtp ids; rtc-srtp names them
//		// Rand, MTU, RetransmitInitial, HandshakeTimeout, ... have defaults.
//	}
//	conn, err := dtls.NewClient(now, tr, cfg) // a=setup:active; queues the ClientHello
//	conn, err := dtls.NewServer(now, tr, cfg) // a=setup:passive; waits for one
//
// tr is the shared.TransportContext datagrams leave on (PollWrite copies it
// into every datagram). A server whose tr.Peer is not valid binds to the
// source of the first ClientHello it accepts and then drops datagrams from
// other sources (a ClientHello from elsewhere during the handshake gets a
// HelloVerifyRequest; see the README's threat model); SetTransport changes
// the path later. A Conn with a valid tr.Peer does not look at sources:
// the caller (the PeerConnection) passes it only datagrams from the
// ICE-validated pair.
//
// # The drive loop
//
// After constructing the Conn and after every Handle* call, drain the three
// Poll* queues, then wait for the next datagram or the deadline. One pass is
// enough (the drain rule of shared.Protocol): while anything is left to
// poll, PollTimeout reports the latest time seen; TimeoutReason names the
// timer behind a deadline ("rtx", "handshake", "cookie", "pending"):
//
//	for {
//		for dg, ok := conn.PollWrite(); ok; dg, ok = conn.PollWrite() {
//			send(dg.Transport.Peer, dg.Message) // the bytes are the caller's
//		}
//		for ev, ok := conn.PollEvent(); ok; ev, ok = conn.PollEvent() {
//			switch ev.Kind {
//			case dtls.EventHandshakeComplete:
//				st := ev.State // st.SRTPProfile (a use_srtp id), st.PeerFingerprint, st.CipherSuite
//				// rtc-srtp owns the profiles and the RFC 5764 §4.2 key split:
//				// srtp.ConfigsFromExporter(srtp.Config{Profile: srtp.Profile(st.SRTPProfile)}, conn, role)
//			case dtls.EventAlert: // a warning alert; ev.Alert, ev.Remote
//			case dtls.EventClosed: // ev.Err: nil (close_notify), *dtls.AlertError, ErrHandshakeTimeout
//			}
//		}
//		for b, ok := conn.PollRead(); ok; b, ok = conn.PollRead() {
//			deliver(b) // one application_data record; the bytes are the caller's
//		}
//		deadline, ok := conn.PollTimeout() // retransmission or handshake timeout
//		select {
//		case pkt := <-incoming:
//			conn.HandleRead(shared.TaggedBytes{Now: now(), Transport: pkt.tr, Message: pkt.b})
//		case <-timerFor(deadline, ok):
//			conn.HandleTimeout(now())
//		}
//	}
//
// HandleWrite(b) sends b as one application_data record (after the
// handshake; MaxPayload reports what fits in the MTU). Close sends
// close_notify. ExportKeyingMaterial runs the RFC 5705 exporter with any
// label. ConnectionState returns the negotiated parameters after the
// handshake, the same value EventHandshakeComplete carries. State reports
// connecting/connected/closed/failed as RTCDtlsTransport does, Err what
// ended the connection, Stats what was dropped and why.
//
// # Peer verification
//
// WebRTC peers use self-signed certificates; the check is that the peer's
// leaf hashes to a fingerprint from the remote SDP (RFC 8122 §5). Set
// Config.PeerFingerprints (any of sha-256, sha-384, sha-512), or
// VerifyPeerCertificate for a custom synchronous check, or
// InsecureSkipVerify to check ConnectionState.PeerCertificates yourself. A
// mismatch fails the handshake with a bad_certificate alert and an
// EventClosed whose Err is an *AlertError wrapping ErrFingerprintMismatch.
// The server requires a client certificate by default (Config.ClientAuth).
//
// # Timers
//
// The retransmission timer follows RFC 6347 §4.2.4.1: RetransmitInitial
// (1 s), doubling on every expiry up to RetransmitMax (60 s); a flight
// retransmitted by the peer makes the Conn resend its last flight (at most
// once per 100 ms). HandleEvent(Command{Kind: CommandRetransmit}) resends
// the current flight at once, for a caller that knows the path just became
// usable (ICE selected a pair); libwebrtc instead sets its initial timeout
// to twice the ICE RTT, clamped to 50 ms..3 s (see RetransmitInitial). After
// two unanswered retransmissions a Conn fragments its flights for 548-byte
// datagrams (RFC 6347 §4.1.1.1), in case the path MTU is below Config.MTU.
// The whole handshake must finish within HandshakeTimeout (30 s, counted
// from NewClient for a client and from the first acceptable ClientHello for
// a server). On the simulated network with 30% loss each way a few percent
// of handshakes need longer than 30 s (the doubling timer is the RFC's; the
// median is about 1 s).
//
// # Interoperability
//
// Tested on loopback (tools/interop/dtls) against headless Chromium
// (BoringSSL) in both roles, OpenSSL 3.0 s_server/s_client over every suite
// and group, and Pion's dtls v3.1.8, with the exported SRTP keys compared.
// OpenSSL and BoringSSL servers with an ECDSA P-256 certificate require
// the client to list P-256 in supported_groups (see Config.Groups).
//
// # Limits
//
// NewClient and NewServer call Config.Validate: a numeric field that is
// neither zero (its documented default) nor in its range is refused with a
// *shared.ConfigError wrapping shared.ErrInvalidConfig, never clamped.
//
// Bad input is dropped and counted in Stats, never a panic: malformed,
// truncated, replayed, wrong-epoch, wrong-source and unauthenticated
// records (epoch 0 has no replay window: only authenticated records move
// it, RFC 6347 §4.1.2.6); handshake fragments over MaxHandshakeMessage,
// beyond MaxBufferedHandshake of reassembly or opening more than
// MaxFragmentRanges gaps in one message; certificate chains over
// MaxCertificateChain (fatal). Each queue holds at most MaxQueued items: a
// full datagram queue refuses HandleWrite with ErrQueueFull, a full read
// queue drops the record (counted), and a full event queue drops the new
// event and the Handle* call returns an error wrapping shared.ErrQueueFull
// (shared.EventQueue; a loss during a Poll* is reported by the next
// Handle*). ErrClosed and ErrQueueFull wrap the shared sentinels.
//
// SCTP (or anything else) sent with HandleWrite should size its packets to
// MaxPayload (1163 bytes for AES-GCM at the default MTU) so that records
// stay within one datagram of Config.MTU. Record protection allocates
// nothing; HandleWrite and HandleRead allocate the datagram and the
// plaintext they hand to the caller, unless the caller hands those back
// when done with ReleaseWrite and ReleaseRead (optional): the Conn then
// reuses them (at most 64 buffers of max(MTU, 1500) bytes) and application
// data costs no allocation in steady state.
//
// # DTLS 1.3
//
// By default (Config.MaxVersion DTLS 1.3, MinVersion 1.2) a server answers
// a ClientHello that offers DTLS 1.3 with 1.3 (any other gets 1.2, with the
// RFC 8446 §4.1.3 downgrade sentinel in the server random) and a client
// offers 1.3 and 1.2 in one ClientHello and follows the server's choice (a
// 1.2 answer with the sentinel is refused); MinVersion = VersionDTLS13
// makes a client offer 1.3 only, MaxVersion = VersionDTLS12 turns 1.3 off. The 1.3 groups are
// X25519MLKEM768 (post-quantum hybrid), x25519 and P-256, in that order
// unless Config.Groups says otherwise or Config.DisableMLKEM is set. The
// Conn's verbs, events, ConnectionState (Version "DTLS 1.3", Group) and
// ExportKeyingMaterial (the RFC 8446 §7.5 exporter) work the same way;
// Update13 sends a KeyUpdate. Config.HelloVerify makes a 1.3 server send a
// stateless HelloRetryRequest cookie. A client offering the hybrid and
// x25519 sends the hybrid's X25519 component as its x25519 share
// (draft-ietf-tls-hybrid-design §3.2), never reused across connections.
// Every (EC)DH key, in both versions, is crypto/ecdh's; ML-KEM-768 is
// crypto/mlkem's.
//
// # Record size limit and connection IDs
//
// Config.RecordSizeLimit negotiates record_size_limit (RFC 8449) in both
// versions: the peer's limit bounds every protected record we send
// (MaxPayload, ErrMessageTooLarge), a protected record over ours is dropped
// and counted. ConnectionState.PeerRecordSizeLimit reports the peer's in
// DTLS 1.2.
//
// Config.ConnectionIDLength (off by default) negotiates connection IDs:
// RFC 9146 in DTLS 1.2 (tls12_cid records, content type 25, with the
// additional data of §5) and RFC 9147 §9 in DTLS 1.3 (the C bit of the
// unified header; NewConnectionId is accepted, RequestConnectionId
// ignored). ConnectionIDSendOnly asks for no CID but uses the peer's.
// ConnectionState reports the CIDs. An authenticated record carrying our
// CID that is newer than every record before it, from another address,
// moves the peer there (RFC 9146 §6): the Conn sends there from then on
// and reports EventPeerAddressChanged with the new path; the owner of the
// socket (or the ICE agent) should follow. Forged, replayed or older
// records, and records without the CID, never move it; there is no return
// routability check (see the README's threat model).
//
// # Known gaps
//
//   - No session resumption, no renegotiation (refused with
//     no_renegotiation), no PSK or RSA key exchange, no compression, no
//     CCM suites.
//   - DTLS 1.3: no 0-RTT, no resumption; we issue no CIDs beyond the
//     first (RequestConnectionId is ignored).
//   - Certificates are not validated against roots or dates: WebRTC
//     authenticates by fingerprint.
//   - The CBC suites use MAC-then-encrypt without the encrypt_then_mac
//     extension; keep them for old peers only.
package dtls
