package dtls

import (
	"errors"
)

// ConnectionState holds what a completed handshake negotiated. Its slices
// belong to the holder.
type ConnectionState struct {
	Version              string // "DTLS 1.2"
	IsClient             bool
	CipherSuite          CipherSuite
	Group                Group
	ExtendedMasterSecret bool
	SecureRenegotiation  bool   // the peer supports RFC 5746 (renegotiation is refused anyway)
	NegotiatedProtocol   string // ALPN, "" if none

	// PeerCertificates is the peer's DER chain, leaf first.
	PeerCertificates [][]byte
	// PeerFingerprint is the sha-256 fingerprint of the peer's leaf, as in
	// SDP ("sha-256 AB:CD:...").
	PeerFingerprint Fingerprint

	// SRTPProfile is the negotiated use_srtp protection profile id (RFC
	// 5764 §4.1.2; srtp.Profile in rtc-srtp is the same code point); 0 if
	// use_srtp was not negotiated. Key SRTP with
	// srtp.ConfigsFromExporter(srtp.Config{Profile: srtp.Profile(id)}, conn, role):
	// rtc-srtp owns the profiles and the RFC 5764 §4.2 key split.
	SRTPProfile uint16
	// SRTPMKI is the negotiated MKI (RFC 5764 §4.1.1), usually empty.
	SRTPMKI []byte

	// PeerRecordSizeLimit is the peer's record_size_limit (RFC 8449), the
	// largest plaintext of the protected records we send it; 0 when not
	// negotiated. DTLS 1.2 only.
	PeerRecordSizeLimit int
	// ConnectionID says a connection_id extension was negotiated (RFC
	// 9146); LocalConnectionID is the CID in records to us (empty for
	// send-only), PeerConnectionID the CID in records we send (empty when
	// the peer wants none). DTLS 1.2 only.
	ConnectionID      bool
	LocalConnectionID []byte
	PeerConnectionID  []byte
}

// reservedLabels are the PRF labels RFC 5705 §4 forbids exporters to use.
var reservedLabels = map[string]bool{
	"client finished": true, "server finished": true, "master secret": true,
	"key expansion": true, "extended master secret": true,
}

// ExportKeyingMaterial is the RFC 5705 exporter over the connection's
// master secret. context nil means "no context" (as EXTRACTOR-dtls_srtp
// uses); a non-nil empty context is hashed as a zero-length context.
func (c *Conn) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	if c.v13 != nil {
		return c.exporter13(label, context, length)
	}
	if c.conn == nil || c.export == nil {
		return nil, ErrHandshakeNotDone
	}
	if reservedLabels[label] {
		return nil, errors.New("dtls: reserved exporter label")
	}
	if length < 0 || length > 1<<16 || len(context) >= 1<<16 {
		return nil, errors.New("dtls: bad exporter length")
	}
	x := c.export
	return exportKeyingMaterial(x.suite.prfHash(), x.masterSecret, x.randoms[:32], x.randoms[32:],
		label, context, context != nil, length), nil
}

func (c *Conn) buildState() *ConnectionState {
	s := &ConnectionState{
		Version:              "DTLS 1.2",
		IsClient:             c.isClient,
		CipherSuite:          c.hs.suite.id,
		Group:                c.hs.group,
		ExtendedMasterSecret: c.hs.ems,
		SecureRenegotiation:  c.hs.secureReneg,
		PeerRecordSizeLimit:  c.peerRecordLimit,
		ConnectionID:         c.cid.on,
		NegotiatedProtocol:   c.hs.alpn,
		SRTPProfile:          c.hs.srtpProfile,
	}
	if c.cid.on {
		s.LocalConnectionID = append([]byte{}, c.cid.ours...)
		s.PeerConnectionID = append([]byte{}, c.cid.peer...)
	}
	for _, cert := range c.hs.peerCerts {
		s.PeerCertificates = append(s.PeerCertificates, append([]byte(nil), cert...))
	}
	if len(s.PeerCertificates) > 0 {
		s.PeerFingerprint, _ = ComputeFingerprint("sha-256", s.PeerCertificates[0])
	}
	if c.hs.srtpMKI != nil {
		s.SRTPMKI = append([]byte{}, c.hs.srtpMKI...)
	}
	return s
}
