package rtc

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	sdp "github.com/sansrtc/rtc/rtc-sdp"
)

// This file holds the view of SDP (RFC 8866) that JSEP needs to negotiate
// data channels and to keep m-section bookkeeping for transceivers. rtc-sdp
// parses the grammar; the attributes are interpreted here, leniently for
// those JSEP does not use (RFC 8866 §5.13: unknown attributes are ignored)
// and strictly for the ones it does. Descriptions are still written as text
// here (jsep.go).
//
// TODO(integrator): build descriptions with rtc-sdp's builder too, and use
// its typed accessors once media needs codecs and extensions.

// sdpFingerprint is an a=fingerprint (RFC 8122 §5).
type sdpFingerprint struct {
	Algorithm string // "sha-256"
	Value     []byte
}

// sdpMedia is one m-section.
type sdpMedia struct {
	Kind      string // audio, video, application
	Port      int    // 0 means rejected (RFC 8829 §5.3.1)
	Proto     string // UDP/DTLS/SCTP, UDP/TLS/RTP/SAVPF
	Formats   []string
	Mid       string
	Direction string // sendrecv, sendonly, recvonly, inactive ("" if absent)

	ICEUfrag, ICEPwd string
	ICEOptions       []string
	Fingerprints     []sdpFingerprint
	Setup            string // actpass, active, passive
	SCTPPort         int
	MaxMessageSize   int // 0 if absent
	Candidates       []string
	EndOfCandidates  bool
	BundleOnly       bool
	RTCPMux          bool
	Attrs            []string // every a= line of the section, without "a="
}

// sdpSession is a parsed description.
type sdpSession struct {
	SessionID      string
	SessionVersion uint64
	Groups         [][]string // a=group:BUNDLE mids
	ICEUfrag       string
	ICEPwd         string
	ICELite        bool
	ICEOptions     []string
	Fingerprints   []sdpFingerprint
	Setup          string
	Media          []*sdpMedia
}

// parseSDP parses a description: rtc-sdp checks the grammar (RFC 8866
// line order, required lines, size limits); this file interprets the
// attributes JSEP needs. Whether the description can be applied is checked
// by validateRemote.
func parseSDP(s string, maxSize int) (*sdpSession, error) {
	cfg := sdp.Config{MaxSize: maxSize}
	sd, err := cfg.Parse(s)
	if err != nil {
		if errors.Is(err, sdp.ErrTooLarge) {
			return nil, fmt.Errorf("%w: %w", ErrLimit, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	sess := &sdpSession{SessionID: strconv.FormatUint(sd.Origin.SessionID, 10), SessionVersion: sd.Origin.SessionVersion}
	for _, a := range sd.Attributes {
		if err := sess.parseAttr(nil, a.String()); err != nil {
			return nil, fmt.Errorf("%w: session a=%s: %v", ErrInvalidSDP, a.Key, err)
		}
	}
	for i, md := range sd.Media {
		cur := &sdpMedia{Kind: md.Media, Port: md.Port, Proto: md.Proto, Formats: md.Formats}
		sess.Media = append(sess.Media, cur)
		for _, a := range md.Attributes {
			if err := sess.parseAttr(cur, a.String()); err != nil {
				return nil, fmt.Errorf("%w: m-section %d a=%s: %v", ErrInvalidSDP, i, a.Key, err)
			}
		}
	}
	return sess, nil
}

func (sess *sdpSession) parseAttr(m *sdpMedia, val string) error {
	name, value, _ := strings.Cut(val, ":")
	if m != nil {
		m.Attrs = append(m.Attrs, val)
	}
	switch name {
	case "group":
		f := strings.Fields(value)
		if len(f) > 0 && f[0] == "BUNDLE" {
			sess.Groups = append(sess.Groups, f[1:])
		}
	case "ice-lite":
		sess.ICELite = true
	case "ice-ufrag":
		if m != nil {
			m.ICEUfrag = value
		} else {
			sess.ICEUfrag = value
		}
	case "ice-pwd":
		if m != nil {
			m.ICEPwd = value
		} else {
			sess.ICEPwd = value
		}
	case "ice-options":
		if m != nil {
			m.ICEOptions = strings.Fields(value)
		} else {
			sess.ICEOptions = strings.Fields(value)
		}
	case "fingerprint":
		fp, err := parseFingerprint(value)
		if err != nil {
			return err
		}
		if m != nil {
			m.Fingerprints = append(m.Fingerprints, fp)
		} else {
			sess.Fingerprints = append(sess.Fingerprints, fp)
		}
	case "setup":
		switch value {
		case "actpass", "active", "passive", "holdconn":
		default:
			return fmt.Errorf("bad a=setup %q", value)
		}
		if m != nil {
			m.Setup = value
		} else {
			sess.Setup = value
		}
	}
	if m == nil {
		return nil
	}
	switch name {
	case "mid":
		m.Mid = value
	case "sendrecv", "sendonly", "recvonly", "inactive":
		m.Direction = name
	case "sctp-port":
		p, err := strconv.Atoi(value)
		if err != nil || p <= 0 || p > 65535 {
			return fmt.Errorf("bad a=sctp-port %q", value)
		}
		m.SCTPPort = p
	case "max-message-size":
		p, err := strconv.Atoi(value)
		if err != nil || p < 0 {
			return fmt.Errorf("bad a=max-message-size %q", value)
		}
		m.MaxMessageSize = p
	case "candidate":
		m.Candidates = append(m.Candidates, val)
	case "end-of-candidates":
		m.EndOfCandidates = true
	case "bundle-only":
		m.BundleOnly = true
	case "rtcp-mux":
		m.RTCPMux = true
	}
	return nil
}

// parseFingerprint parses "sha-256 AB:CD:...".
func parseFingerprint(v string) (sdpFingerprint, error) {
	alg, hexv, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok {
		return sdpFingerprint{}, fmt.Errorf("bad a=fingerprint")
	}
	parts := strings.Split(strings.TrimSpace(hexv), ":")
	out := make([]byte, 0, len(parts))
	for _, p := range parts {
		b, err := strconv.ParseUint(p, 16, 8)
		if err != nil || len(p) != 2 {
			return sdpFingerprint{}, fmt.Errorf("bad a=fingerprint value")
		}
		out = append(out, byte(b))
	}
	return sdpFingerprint{Algorithm: strings.ToLower(alg), Value: out}, nil
}

func formatFingerprint(b []byte) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		fmt.Fprintf(&sb, "%02X", c)
	}
	return sb.String()
}

// transport returns the ICE/DTLS parameters for an m-section, falling back to
// session-level values (RFC 8839 §5.4, RFC 8122 §5).
func (sess *sdpSession) transport(m *sdpMedia) (ufrag, pwd string, fps []sdpFingerprint, setup string) {
	ufrag, pwd, fps, setup = m.ICEUfrag, m.ICEPwd, m.Fingerprints, m.Setup
	if ufrag == "" {
		ufrag = sess.ICEUfrag
	}
	if pwd == "" {
		pwd = sess.ICEPwd
	}
	if len(fps) == 0 {
		fps = sess.Fingerprints
	}
	if setup == "" {
		setup = sess.Setup
	}
	return
}

// bundleTag returns the m-section whose transport the BUNDLE group uses: the
// first mid of the first group (RFC 8843 §7.2.1, the offerer/answerer tagged
// m-section), or the first non-rejected m-section without bundle.
func (sess *sdpSession) bundleTag() *sdpMedia {
	if len(sess.Groups) > 0 && len(sess.Groups[0]) > 0 {
		for _, m := range sess.Media {
			if m.Mid == sess.Groups[0][0] {
				return m
			}
		}
	}
	for _, m := range sess.Media {
		if m.Port != 0 {
			return m
		}
	}
	return nil
}

// candidateAddr extracts the transport address, protocol and type of a
// candidate attribute ("candidate:f 1 udp 2122 127.0.0.1 5000 typ host").
func candidateAddr(c string) (addr netip.AddrPort, proto, typ string, ok bool) {
	c = strings.TrimPrefix(strings.TrimPrefix(c, "a="), "candidate:")
	f := strings.Fields(c)
	if len(f) < 8 || f[6] != "typ" {
		return netip.AddrPort{}, "", "", false
	}
	ip, err := netip.ParseAddr(f[4])
	if err != nil {
		return netip.AddrPort{}, "", "", false
	}
	port, err := strconv.ParseUint(f[5], 10, 16)
	if err != nil {
		return netip.AddrPort{}, "", "", false
	}
	return netip.AddrPortFrom(ip, uint16(port)), strings.ToLower(f[2]), f[7], true
}
