// Package stun implements STUN (RFC 8489, compatible with RFC 5389): the
// message codec with every attribute WebRTC meets (including ICE's, RFC
// 8445, and TURN's, RFC 8656, 6062 and 8016), short-term and long-term
// credentials, MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT,
// the RFC 7983 demultiplexing classifier, and a sans-I/O client transaction
// machine with the RFC 8489 §6.2.1 retransmission schedule.
//
// # Decoding
//
// Parse decodes one message into a reusable Message without copying or
// allocating: Message.Raw and every []byte a getter returns alias the
// input. Getters are typed (Username, Priority, ICEControlling,
// XORMappedAddress, ErrorCode, ...) and return ErrAttributeNotFound or
// ErrBadAttribute. Parse checks the header and every attribute's framing;
// a message whose last attributes are integrity and fingerprint (what ICE
// and TURN send) takes a single-walk fast path, anything else the general
// walk, with the same result. Integrity and fingerprint are checked
// separately, in constant time:
//
//	var m stun.Message // reuse across datagrams
//	if err := stun.Parse(datagram, &m); err != nil {
//		return err // not STUN, or malformed: count and drop
//	}
//	if m.Type != stun.BindingRequest {
//		return nil
//	}
//	if unknown := m.UnknownRequired(nil); len(unknown) > 0 {
//		// answer 420 with AddUnknownAttributes(unknown)
//	}
//	if err := m.CheckFingerprint(); err != nil { // ICE requires FINGERPRINT
//		return err
//	}
//	integrity := stun.NewIntegrity([]byte(localPassword)) // once per credential
//	if err := integrity.Check(&m); err != nil {
//		return err // answer 401 (RFC 8489 §9.1.3)
//	}
//	username, _ := m.Username()
//	priority, _ := m.Priority()
//	tieBreaker, err := m.ICEControlling()
//	nominated := m.UseCandidate()
//
// # Encoding
//
// Builder appends one message to a caller's buffer; with enough capacity it
// never allocates (NewFixedBuilder never grows the buffer and reports
// shared.ErrShortBuffer instead). Integrity and fingerprint are computed as they are
// added, so add them last, in that order:
//
//	b := stun.NewBuilder(buf[:0], stun.BindingSuccess, m.TransactionID)
//	b.AddXORMappedAddress(from) // the source of the request
//	b.AddMessageIntegrity(integrity)
//	b.AddFingerprint()
//	resp, err := b.Bytes()
//
// Keys come from ShortTermKey (ICE: the peer's or our ice-pwd, printable
// ASCII) or from rtc-turn's LongTermKey (MD5 or SHA-256 of
// username:realm:password prepared with OpaqueString; SASLprep for RFC 5389
// servers), which lives there so that this package needs nothing beyond the
// standard library and rtc-shared (no golang.org/x/text); wrap the key in an
// Integrity once and reuse it.
//
// # Demultiplexing
//
// Classify tells STUN, DTLS, RTP, RTCP and TURN ChannelData apart on one
// 5-tuple by the first byte, as RFC 7983 (updated by RFC 9443) describes.
//
// # Client transactions
//
// Client is the sans-I/O client transaction machine of RFC 8489 §6.2. The
// caller builds a request, hands it to HandleWrite with the path it takes,
// and drives the usual loop: drain PollWrite (the first transmission and
// every retransmission) and PollEvent (a response matched by transaction
// ID, or a timeout), then sleep until PollTimeout and call HandleTimeout.
// Responses that arrive go to HandleRead. Over UDP the request is
// retransmitted after RTO, 2*RTO, 4*RTO ... for Rc transmissions in all
// and fails Rm*RTO after the last one; over TCP it is sent once and fails
// after Ti (39.5 s).
//
// The client keeps the shared contract (rtc-shared, checked by
// contracttest): its events go into a shared.EventQueue, so a full queue
// drops and counts the new event and the Handle* call reports it with an
// error wrapping shared.ErrQueueFull, while the transaction still ends;
// PollTimeout reports the latest time seen while a datagram or event waits
// to be polled; TimeoutReason names the deadline ("rtx", "timeout",
// "pending"); ErrClosed wraps shared.ErrClosed.
//
// # Limits
//
// Limits bounds the attributes indexed per message and the message size;
// Config bounds the outstanding transactions and the event queue. Attribute
// values are checked against their RFC limits on encode (USERNAME fewer
// than 509 bytes; REALM, NONCE, SOFTWARE and reason phrases at most 763).
//
// # Known gaps
//
//   - ShortTermKey takes printable ASCII only (ErrNotASCII otherwise); the
//     OpaqueString profile for other passwords is rtc-turn's OpaqueString.
//   - The nonce cookie and security feature bits of RFC 8489 §9.2 are not
//     interpreted (that is the TURN client's business).
//   - No server transaction machine: a server answers statelessly, which is
//     what ICE and TURN need (RFC 8489 §6.3).
//   - DNS discovery (§8) and ALTERNATE-SERVER redirection are left to callers.
//   - The client uses a fixed initial RTO: it does not cache an RTT estimate
//     per server (RFC 8489 §6.2.1 "SHOULD"), nor limit the rate of new
//     transactions to a server; ICE paces its checks itself.
//   - Responses are matched by transaction ID only (RFC 8489 §6.3.3); the
//     path they came on is in Event.Transport for ICE's symmetry check.
//   - Over TCP the caller frames messages (RFC 4571 for ICE-TCP); the
//     client's write queue holds at most Config.MaxTransactions datagrams.
package stun
