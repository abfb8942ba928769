package dtls

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sansrtc/rtc/rtc-dtls/internal/tls13"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// DTLS 1.3 in a Conn. A Conn speaks DTLS 1.3 through a tls13.Endpoint once
// the version is known: a client whose MinVersion is 1.3 starts with one; a
// client offering both versions sends its ClientHello through the 1.2
// machinery and hands over (tls13.ResumeClient) when the server answers
// 1.3; a server whose MaxVersion is 1.3 switches to one when the
// ClientHello (read by the 1.2 machinery, which reassembles it before the
// version is known) offers 1.3 in supported_versions (RFC 9147 §5.3, RFC
// 8446 §4.2.1). From then on every verb goes to the Endpoint, and this file
// turns what it does into the Conn's queues, events and ConnectionState.

// Version is a DTLS protocol version as it appears on the wire.
type Version uint16

// DTLS versions (RFC 6347, RFC 9147).
const (
	VersionDTLS12 Version = 0xFEFD
	VersionDTLS13 Version = 0xFEFC
)

// String returns "DTLS 1.2" or "DTLS 1.3".
func (v Version) String() string {
	switch v {
	case VersionDTLS12:
		return "DTLS 1.2"
	case VersionDTLS13:
		return "DTLS 1.3"
	}
	return fmt.Sprintf("Version(%#04x)", uint16(v))
}

// GroupX25519MLKEM768 is the hybrid post-quantum group of
// draft-ietf-tls-ecdhe-mlkem (DTLS 1.3 only).
const GroupX25519MLKEM768 Group = 0x11EC

// minVersion and maxVersion default to DTLS 1.2 and 1.3: a server prefers
// 1.3 and a client offers both (issue 19: "1.3 preferred").
func (c *Config) minVersion() Version {
	if c.MinVersion == 0 {
		return VersionDTLS12
	}
	return c.MinVersion
}

func (c *Config) maxVersion() Version {
	if c.MaxVersion == 0 {
		return VersionDTLS13
	}
	return c.MaxVersion
}

// groups13 is the DTLS 1.3 group list: Groups filtered to what 1.3
// implements, or X25519MLKEM768, x25519, P-256; without the hybrid when
// DisableMLKEM is set.
func (c *Config) groups13() []tls13.Group {
	src := c.Groups
	if src == nil {
		src = []Group{GroupX25519MLKEM768, GroupX25519, GroupP256}
	}
	var out []tls13.Group
	for _, g := range src {
		if tg := tls13.Group(g); tg.Supported() && !(c.DisableMLKEM && g == GroupX25519MLKEM768) {
			out = append(out, tg)
		}
	}
	return out
}

// endpointConfig maps the Config onto the DTLS 1.3 machine.
func (c *Conn) endpointConfig() tls13.Config {
	cfg := &c.cfg
	return tls13.Config{
		Rand:                cfg.rand(),
		Certificate:         cfg.Certificate.Certificate,
		PrivateKey:          cfg.Certificate.PrivateKey,
		Groups:              cfg.groups13(),
		SRTPProfiles:        cfg.srtpProfiles(),
		RequireCookie:       cfg.HelloVerify,
		CookieLifetime:      cfg.cookieLifetime(),
		MTU:                 cfg.mtu(),
		RetransmitInitial:   cfg.rtxInitial(),
		RetransmitMax:       cfg.rtxMax(),
		HandshakeTimeout:    cfg.handshakeTimeout(),
		ReplayWindow:        cfg.replayWindow(),
		MaxHandshakeMessage: cfg.maxHandshakeMessage(),
		MaxQueued:           cfg.maxQueued(),
		VerifyPeer:          c.verifyPeer13,
		RecordSizeLimit:     cfg.RecordSizeLimit,
		ConnectionID:        c.cid13(),
		Buffer:              c.buffer, // datagrams and plaintexts become ours: no copy
		Release:             c.release,
	}
}

// cid13 is the CID the 1.3 machine asks for (nil: CIDs off), the same one
// the 1.2 machine offers (newConn draws it).
func (c *Conn) cid13() []byte {
	if !c.wantsCID() {
		return nil
	}
	if c.cid.ours == nil {
		return []byte{}
	}
	return c.cid.ours
}

// verifyPeer13 applies the peer checks of the Config to a 1.3 peer chain:
// the SDP fingerprint (RFC 8122 §5), then VerifyPeerCertificate.
func (c *Conn) verifyPeer13(certs [][]byte) error {
	if len(c.cfg.PeerFingerprints) > 0 {
		ok := false
		for _, f := range c.cfg.PeerFingerprints {
			ok = ok || f.Matches(certs[0])
		}
		if !ok {
			return ErrFingerprintMismatch
		}
	}
	if c.cfg.VerifyPeerCertificate != nil {
		return c.cfg.VerifyPeerCertificate(certs)
	}
	return nil
}

// offers13 reports whether this client offers DTLS 1.3 and 1.2 in one
// ClientHello (MaxVersion 1.3, MinVersion 1.2).
func (c *Conn) offers13() bool {
	return c.isClient && c.cfg.maxVersion() == VersionDTLS13 && c.cfg.minVersion() == VersionDTLS12
}

// addOffer13 adds the DTLS 1.3 offer to the 1.2 machine's ClientHello
// (RFC 8446 §4.1.2, §4.2.1, §4.2.8): the 1.3 suites first, the 1.3 groups
// in supported_groups, supported_versions (1.3, 1.2) and key shares for the
// first 1.3 group (and x25519 beside the hybrid), drawn once and repeated in
// a ClientHello sent again after a HelloVerifyRequest.
func (c *Conn) addOffer13(ch *clientHelloMsg) error {
	g13 := c.cfg.groups13()
	if len(g13) == 0 {
		return nil
	}
	if c.shares13 == nil {
		first := []tls13.Group{g13[0]}
		if g13[0] == tls13.GroupX25519MLKEM768 && slices.Contains(g13, tls13.GroupX25519) {
			first = append(first, tls13.GroupX25519)
		}
		shares, err := tls13.NewClientKeyShares(c.cfg.rand(), first)
		if err != nil {
			return err
		}
		c.shares13 = shares
	}
	suites := []uint16{uint16(tls13.TLS_AES_128_GCM_SHA256), uint16(tls13.TLS_CHACHA20_POLY1305_SHA256), uint16(tls13.TLS_AES_256_GCM_SHA384)}
	ch.CipherSuites = append(suites, ch.CipherSuites...)
	e := &ch.Extensions
	var groups []Group
	for _, g := range g13 {
		if !slices.Contains(e.Groups, Group(g)) {
			groups = append(groups, Group(g))
		}
	}
	e.Groups = append(groups, e.Groups...)
	versions := []byte{4, 0xFE, 0xFC, 0xFE, 0xFD} // supported_versions<2..254>: 1.3, 1.2
	var shares []byte
	for _, ks := range c.shares13 {
		pub := ks.Public()
		shares = append(shares, byte(ks.Group()>>8), byte(ks.Group()), byte(len(pub)>>8), byte(len(pub)))
		shares = append(shares, pub...)
	}
	ks := append([]byte{byte(len(shares) >> 8), byte(len(shares))}, shares...)
	e.extra = append(e.extra, rawExtension{typ: uint16(tls13.ExtSupportedVersions), data: versions},
		rawExtension{typ: uint16(tls13.ExtKeyShare), data: ks})
	return nil
}

// handover13 moves a client that offered both versions to DTLS 1.3 when
// the server's answer selects it (a ServerHello with supported_versions
// 1.3, or a HelloRetryRequest). It reports whether it did.
func (c *Conn) handover13(p *pendingMessage) (bool, error) {
	sh, err := tls13.ParseServerHello(p.body)
	if err != nil || (sh.Ext.SelectedVersion != uint16(VersionDTLS13) && !sh.IsHelloRetryRequest()) {
		return false, nil
	}
	msg := c.hs.clientHello // our last ClientHello, with its DTLS handshake header
	if len(msg) < 12 {
		return true, failErr(AlertInternalError, errors.New("dtls: no ClientHello to hand over"))
	}
	seq := uint16(msg[4])<<8 | uint16(msg[5])
	started := c.hsDeadline.Add(-c.cfg.handshakeTimeout()) // NewClient's now
	e, err := tls13.ResumeClient(c.endpointConfig(), c.clock.Now(), started, msg[12:], seq, c.shares13, c.writeSeq[0])
	if err != nil {
		return true, failErr(AlertInternalError, err)
	}
	c.v13 = e
	c.shares13 = nil // the endpoint holds them until the ServerHello, then drops them
	c.flight, c.rtxDeadline, c.hsDeadline = nil, time.Time{}, time.Time{}
	c.reasm.clear()
	return true, c.sync13(e.AcceptServerHello(c.clock.Now(), p.seq, p.body))
}

// start13Client starts a DTLS 1.3-only client.
func (c *Conn) start13Client() error {
	e, err := tls13.NewClient(c.endpointConfig(), c.clock.Now())
	if err != nil {
		return err
	}
	c.v13 = e
	return c.sync13(nil)
}

// offers13 reports whether a ClientHello body offers DTLS 1.3.
func offers13(body []byte) bool {
	ch, err := tls13.ParseClientHello(body)
	return err == nil && ch.OffersVersion(uint16(VersionDTLS13))
}

// switchTo13 is the server's version negotiation: when we may speak 1.3 and
// the ClientHello offers it, the Conn hands the ClientHello to a 1.3
// Endpoint and reports true.
func (c *Conn) switchTo13(p *pendingMessage) (bool, error) {
	if c.isClient || c.cfg.maxVersion() != VersionDTLS13 || !offers13(p.body) {
		return false, nil
	}
	e, err := tls13.NewServer(c.endpointConfig(), c.clock.Now())
	if err != nil {
		return true, err
	}
	c.v13 = e
	c.bind(false)
	c.reasm.clear()
	c.hsDeadline = time.Time{} // the Endpoint keeps its own
	c.rtxDeadline = time.Time{}
	return true, c.sync13(e.AcceptClientHello(c.clock.Now(), p.seq, p.body))
}

// sync13 carries what the Endpoint produced into the Conn: datagrams,
// application data, completion and closure. err is what the Endpoint call
// returned.
func (c *Conn) sync13(err error) error {
	e := c.v13
	for {
		d, ok := e.PollDatagram()
		if !ok {
			break
		}
		// d came from c.buffer (endpointConfig): it is ours as it is.
		if qerr := c.queueDatagram(d); qerr != nil && err == nil {
			err = qerr
		}
	}
	for {
		b, ok := e.ReadApp()
		if !ok {
			break
		}
		if c.reads.Push(b) != nil {
			c.stats.QueueFull++
		}
	}
	if c.state == stateHandshake && e.Connected() {
		c.state = stateEstablished
		c.conn = c.buildState13()
		c.pushEvent(Event{Kind: EventHandshakeComplete, State: c.conn})
		// What the 1.2 machine kept while the version was open (its
		// handshake state: an auto client's ClientHello and 1.2 key
		// share; a server's reassembled ClientHello) is no longer
		// needed.
		c.hs = nil
		c.shares13, c.transcript, c.scratch = nil, nil, nil
		c.reasm.clear()
	}
	if e.State() == "closed" && c.state != stateClosed {
		cerr := e.Err()
		var ae *tls13.AlertError
		switch {
		case errors.Is(cerr, tls13.ErrClosed):
			if c.state == stateHandshake {
				cerr = &AlertError{Alert: AlertCloseNotify, Remote: true}
			} else {
				cerr = nil
			}
		case errors.Is(cerr, tls13.ErrHandshakeTimeout):
			cerr = ErrHandshakeTimeout
		case errors.As(cerr, &ae):
			cerr = &AlertError{Alert: Alert(ae.Description), Remote: !ae.Local, Err: ae.Err}
		}
		c.closeWith(cerr)
		if err == nil {
			err = cerr
		}
	}
	if err != nil {
		var ae *tls13.AlertError
		if errors.As(err, &ae) {
			return &AlertError{Alert: Alert(ae.Description), Remote: !ae.Local, Err: ae.Err}
		}
	}
	return err
}

// buildState13 is the ConnectionState of a 1.3 connection.
func (c *Conn) buildState13() *ConnectionState {
	suite, group, profile := c.v13.Negotiated()
	s := &ConnectionState{
		Version:              VersionDTLS13.String(),
		IsClient:             c.isClient,
		CipherSuite:          CipherSuite(suite),
		Group:                Group(group),
		ExtendedMasterSecret: true, // TLS 1.3 binds the transcript into every secret (RFC 8446 §7.1)
		SRTPProfile:          profile,
	}
	// The Endpoint's copies of the chain, not copied again: nothing
	// changes them after the handshake.
	s.PeerCertificates = slices.Clone(c.v13.PeerCertificates())
	if len(s.PeerCertificates) > 0 {
		s.PeerFingerprint, _ = ComputeFingerprint("sha-256", s.PeerCertificates[0])
	}
	if on, ours, peer := c.v13.ConnectionIDs(); on {
		s.ConnectionID = true
		s.LocalConnectionID = append([]byte{}, ours...)
		s.PeerConnectionID = append([]byte{}, peer...)
	}
	return s
}

// handleRead13 passes a datagram to the 1.3 machine. As for 1.2, a
// datagram that carried a record the machine dropped (malformed, unknown
// epoch, replayed, forged) returns an error wrapping ErrDropped, so the
// owner can count it.
func (c *Conn) handleRead13(msg shared.TaggedBytes) error {
	before := dropped13(c.v13.Stats())
	v13 := c.v13
	err := c.sync13(v13.HandleDatagram(c.clock.Now(), msg.Message))
	if v13.NewestCIDRecord() {
		c.followPeer() // RFC 9146 §6 via RFC 9147 §9
	}
	if err == nil && c.v13 != nil && dropped13(c.v13.Stats()) > before {
		return fmt.Errorf("%w: DTLS 1.3 record dropped", ErrDropped)
	}
	return err
}

func dropped13(s tls13.Stats) uint64 {
	return s.Malformed + s.UnknownEpoch + s.Replayed + s.AuthFailed + s.Unauthenticated
}

func (c *Conn) handleWrite13(msg []byte) error {
	if len(msg) > maxPlaintext { // RFC 8446 §5.1: 2^14, as in 1.2
		return ErrMessageTooLarge
	}
	if c.out.Full() {
		c.stats.QueueFull++
		return ErrQueueFull
	}
	err := c.v13.WriteApp(c.clock.Now(), msg)
	switch {
	case errors.Is(err, tls13.ErrNotConnected):
		err = ErrHandshakeNotDone
	case errors.Is(err, tls13.ErrClosed):
		err = ErrClosed
	case errors.Is(err, tls13.ErrRecordOverflow):
		err = fmt.Errorf("%w: above the peer's record_size_limit (RFC 8449 §4)", ErrMessageTooLarge)
	}
	return c.sync13(err)
}

func (c *Conn) handleTimeout13() error {
	return c.sync13(c.v13.HandleTimeout(c.clock.Now()))
}

func (c *Conn) close13() {
	c.v13.Close(c.clock.Now())
	if err := c.sync13(nil); err != nil {
		c.closeWith(err)
	}
	c.closeWith(nil)
}

// exporter13 is the RFC 8446 §7.5 exporter.
func (c *Conn) exporter13(label string, context []byte, length int) ([]byte, error) {
	if c.conn == nil {
		return nil, ErrHandshakeNotDone
	}
	return c.v13.ExportKeyingMaterial(label, context, length)
}

// Update13 sends a DTLS 1.3 KeyUpdate (RFC 9147 §8); requestPeer asks the
// peer to update its keys too. It fails on a DTLS 1.2 connection.
func (c *Conn) Update13(requestPeer bool) error {
	if c.v13 == nil {
		return errors.New("dtls: KeyUpdate needs DTLS 1.3")
	}
	return c.events.Report(c.sync13(c.v13.UpdateKeys(c.clock.Now(), requestPeer)))
}

// deadline13 is the Endpoint's deadline and reason.
func (c *Conn) deadline13() (time.Time, string) {
	t, ok := c.v13.Timeout()
	if !ok {
		return time.Time{}, ""
	}
	return t, c.v13.TimeoutReason()
}
