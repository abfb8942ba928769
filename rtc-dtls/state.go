package dtls

import (
	"errors"
)

// SRTPExporterLabel is the RFC 5764 §4.2 exporter label.
const SRTPExporterLabel = "EXTRACTOR-dtls_srtp"

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

	// SRTPProfile is the negotiated DTLS-SRTP profile; 0 if use_srtp was
	// not negotiated.
	SRTPProfile SRTPProtectionProfile
	// SRTPMKI is the negotiated MKI (RFC 5764 §4.1.1), usually empty.
	SRTPMKI []byte
	// SRTPKeyingMaterial is the RFC 5764 §4.2 exporter output for the
	// profile: 2*(key length + salt length) bytes of EXTRACTOR-dtls_srtp,
	// nil without a profile.
	SRTPKeyingMaterial []byte
	// SRTP is SRTPKeyingMaterial split into keys and salts (RFC 5764
	// §4.2) and oriented for this endpoint.
	SRTP SRTPKeys
}

// SRTPKeys are the SRTP master keys and salts of both directions
// (RFC 5764 §4.2: client_write_SRTP_master_key, server_write_SRTP_master_key,
// client_write_SRTP_master_salt, server_write_SRTP_master_salt).
type SRTPKeys struct {
	Profile                SRTPProtectionProfile
	ClientKey, ServerKey   []byte
	ClientSalt, ServerSalt []byte
	LocalKey, LocalSalt    []byte // what this endpoint protects with
	RemoteKey, RemoteSalt  []byte // what this endpoint unprotects with
}

// SplitSRTPKeyingMaterial splits exporter output for profile into keys and
// salts as RFC 5764 §4.2 lays them out, oriented for a client or server.
func SplitSRTPKeyingMaterial(p SRTPProtectionProfile, km []byte, isClient bool) (SRTPKeys, error) {
	kl, sl := p.KeyLen(), p.SaltLen()
	if kl == 0 || len(km) != 2*(kl+sl) {
		return SRTPKeys{}, errors.New("dtls: keying material does not match the SRTP profile")
	}
	k := SRTPKeys{Profile: p}
	k.ClientKey = km[0:kl:kl]
	k.ServerKey = km[kl : 2*kl : 2*kl]
	k.ClientSalt = km[2*kl : 2*kl+sl : 2*kl+sl]
	k.ServerSalt = km[2*kl+sl : 2*kl+2*sl : 2*kl+2*sl]
	if isClient {
		k.LocalKey, k.LocalSalt, k.RemoteKey, k.RemoteSalt = k.ClientKey, k.ClientSalt, k.ServerKey, k.ServerSalt
	} else {
		k.LocalKey, k.LocalSalt, k.RemoteKey, k.RemoteSalt = k.ServerKey, k.ServerSalt, k.ClientKey, k.ClientSalt
	}
	return k, nil
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
	if c.conn == nil || c.hs.masterSecret == nil {
		return nil, ErrHandshakeNotDone
	}
	if reservedLabels[label] {
		return nil, errors.New("dtls: reserved exporter label")
	}
	if length < 0 || length > 1<<16 || len(context) >= 1<<16 {
		return nil, errors.New("dtls: bad exporter length")
	}
	return exportKeyingMaterial(c.hs.suite.prfHash(), c.hs.masterSecret, c.hs.clientRandom[:], c.hs.serverRandom[:],
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
		NegotiatedProtocol:   c.hs.alpn,
		SRTPProfile:          c.hs.srtpProfile,
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
	if p := c.hs.srtpProfile; p != 0 {
		n := 2 * (p.KeyLen() + p.SaltLen())
		km := exportKeyingMaterial(c.hs.suite.prfHash(), c.hs.masterSecret, c.hs.clientRandom[:], c.hs.serverRandom[:],
			SRTPExporterLabel, nil, false, n)
		s.SRTPKeyingMaterial = km
		s.SRTP, _ = SplitSRTPKeyingMaterial(p, km, c.isClient)
	}
	return s
}
