package sdp

import "strconv"

// Attribute names WebRTC uses, for Attributes.Get and friends.
const (
	AttrGroup            = "group"              // RFC 5888, RFC 9143
	AttrMSID             = "msid"               // RFC 8830
	AttrMSIDSemantic     = "msid-semantic"      // draft-ietf-mmusic-msid (legacy)
	AttrMID              = "mid"                // RFC 5888
	AttrICEUfrag         = "ice-ufrag"          // RFC 8839 §5.4
	AttrICEPwd           = "ice-pwd"            // RFC 8839 §5.4
	AttrICEOptions       = "ice-options"        // RFC 8839 §5.6
	AttrICELite          = "ice-lite"           // RFC 8839 §5.3
	AttrICEPacing        = "ice-pacing"         // RFC 8839 §5.5
	AttrCandidate        = "candidate"          // RFC 8839 §5.1
	AttrEndOfCandidates  = "end-of-candidates"  // RFC 8840 §8.2
	AttrFingerprint      = "fingerprint"        // RFC 8122 §5
	AttrSetup            = "setup"              // RFC 4145, RFC 8842
	AttrTLSID            = "tls-id"             // RFC 8842 §5.2
	AttrRTPMap           = "rtpmap"             // RFC 8866 §6.6
	AttrFMTP             = "fmtp"               // RFC 8866 §6.15
	AttrRTCPFB           = "rtcp-fb"            // RFC 4585 §4.2
	AttrRTCP             = "rtcp"               // RFC 3605
	AttrRTCPMux          = "rtcp-mux"           // RFC 5761
	AttrRTCPMuxOnly      = "rtcp-mux-only"      // RFC 8858
	AttrRTCPRsize        = "rtcp-rsize"         // RFC 5506
	AttrExtMap           = "extmap"             // RFC 8285
	AttrExtMapAllowMixed = "extmap-allow-mixed" // RFC 8285 §6
	AttrSSRC             = "ssrc"               // RFC 5576
	AttrSSRCGroup        = "ssrc-group"         // RFC 5576
	AttrRID              = "rid"                // RFC 8851
	AttrSimulcast        = "simulcast"          // RFC 8853
	AttrSCTPPort         = "sctp-port"          // RFC 8841 §5.1
	AttrMaxMessageSize   = "max-message-size"   // RFC 8841 §6.1
	AttrBundleOnly       = "bundle-only"        // RFC 9143 §6
	AttrImageAttr        = "imageattr"          // RFC 6236
	AttrSendRecv         = "sendrecv"           // RFC 8866 §6.7
	AttrSendOnly         = "sendonly"
	AttrRecvOnly         = "recvonly"
	AttrInactive         = "inactive"
)

// collect parses every value of key with parse.
func collect[T any](as Attributes, key string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for i := range as {
		if as[i].Key != key {
			continue
		}
		v, err := parse(as[i].Value)
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// first parses the first value of key; ok is false when absent.
func first[T any](as Attributes, key string, parse func(string) (T, error)) (T, bool, error) {
	v, ok := as.Get(key)
	if !ok {
		var zero T
		return zero, false, nil
	}
	t, err := parse(v)
	return t, true, err
}

// Direction returns the direction attribute of the list, or DirectionNone.
func (as Attributes) Direction() Direction {
	for i := range as {
		if d, ok := ParseDirection(as[i].Key); ok && as[i].Value == "" {
			return d
		}
	}
	return DirectionNone
}

// SetDirection replaces any direction attribute with d (DirectionNone
// removes it).
func (as *Attributes) SetDirection(d Direction) {
	for _, k := range [...]string{AttrSendRecv, AttrSendOnly, AttrRecvOnly, AttrInactive} {
		as.Remove(k)
	}
	if d != DirectionNone {
		as.AddFlag(d.String())
	}
}

// Candidates parses every a=candidate.
func (as Attributes) Candidates() ([]Candidate, error) {
	return collect(as, AttrCandidate, ParseCandidate)
}

// Fingerprints parses every a=fingerprint.
func (as Attributes) Fingerprints() ([]Fingerprint, error) {
	return collect(as, AttrFingerprint, ParseFingerprint)
}

// Setup parses a=setup; SetupNone when absent.
func (as Attributes) Setup() (Setup, error) {
	s, _, err := first(as, AttrSetup, ParseSetup)
	return s, err
}

// ICEOptions returns the tags of a=ice-options.
func (as Attributes) ICEOptions() ICEOptions {
	v, ok := as.Get(AttrICEOptions)
	if !ok {
		return nil
	}
	var o ICEOptions
	for v != "" {
		t, r, _ := cutOrAll(v, ' ')
		if t != "" {
			o = append(o, t)
		}
		v = r
	}
	return o
}

func cutOrAll(s string, c byte) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// ICEPacing returns a=ice-pacing in milliseconds (RFC 8839 §5.5).
func (as Attributes) ICEPacing() (int, bool, error) {
	return first(as, AttrICEPacing, func(v string) (int, error) {
		n, err := parseUintAttr(AttrICEPacing, v, 31)
		return int(n), err
	})
}

// MID returns the value of a=mid.
func (md *MediaDescription) MID() (string, bool) { return md.Attributes.Get(AttrMID) }

// Direction returns the media-level direction, or DirectionNone.
func (md *MediaDescription) Direction() Direction { return md.Attributes.Direction() }

// RTPMaps parses every a=rtpmap.
func (md *MediaDescription) RTPMaps() ([]RTPMap, error) {
	return collect(md.Attributes, AttrRTPMap, ParseRTPMap)
}

// RTPMap returns the rtpmap of payload type pt.
func (md *MediaDescription) RTPMap(pt uint8) (RTPMap, bool) {
	prefix := strconv.Itoa(int(pt)) + " "
	for v := range md.Attributes.Values(AttrRTPMap) {
		if len(v) > len(prefix) && v[:len(prefix)] == prefix {
			m, err := ParseRTPMap(v)
			return m, err == nil
		}
	}
	return RTPMap{}, false
}

// FMTPs parses every a=fmtp.
func (md *MediaDescription) FMTPs() ([]FMTP, error) {
	return collect(md.Attributes, AttrFMTP, ParseFMTP)
}

// FMTP returns the fmtp of format f.
func (md *MediaDescription) FMTP(f string) (FMTP, bool) {
	for v := range md.Attributes.Values(AttrFMTP) {
		if x, err := ParseFMTP(v); err == nil && x.Format == f {
			return x, true
		}
	}
	return FMTP{}, false
}

// RTCPFeedbacks parses every a=rtcp-fb.
func (md *MediaDescription) RTCPFeedbacks() ([]RTCPFeedback, error) {
	return collect(md.Attributes, AttrRTCPFB, ParseRTCPFeedback)
}

// ExtMaps parses every a=extmap.
func (md *MediaDescription) ExtMaps() ([]ExtMap, error) {
	return collect(md.Attributes, AttrExtMap, ParseExtMap)
}

// SSRCs parses every a=ssrc.
func (md *MediaDescription) SSRCs() ([]SSRC, error) {
	return collect(md.Attributes, AttrSSRC, ParseSSRC)
}

// SSRCGroups parses every a=ssrc-group.
func (md *MediaDescription) SSRCGroups() ([]SSRCGroup, error) {
	return collect(md.Attributes, AttrSSRCGroup, ParseSSRCGroup)
}

// RIDs parses every a=rid.
func (md *MediaDescription) RIDs() ([]RID, error) { return collect(md.Attributes, AttrRID, ParseRID) }

// Simulcast parses a=simulcast; ok is false when absent.
func (md *MediaDescription) Simulcast() (Simulcast, bool, error) {
	return first(md.Attributes, AttrSimulcast, ParseSimulcast)
}

// ImageAttrs parses every a=imageattr.
func (md *MediaDescription) ImageAttrs() ([]ImageAttr, error) {
	return collect(md.Attributes, AttrImageAttr, ParseImageAttr)
}

// MSIDs parses every a=msid.
func (md *MediaDescription) MSIDs() ([]MSID, error) {
	return collect(md.Attributes, AttrMSID, ParseMSID)
}

// Candidates parses every a=candidate of the section.
func (md *MediaDescription) Candidates() ([]Candidate, error) { return md.Attributes.Candidates() }

// EndOfCandidates reports a=end-of-candidates.
func (md *MediaDescription) EndOfCandidates() bool { return md.Attributes.Has(AttrEndOfCandidates) }

// RTCP parses a=rtcp; ok is false when absent.
func (md *MediaDescription) RTCP() (RTCP, bool, error) {
	return first(md.Attributes, AttrRTCP, ParseRTCP)
}

// RTCPMux reports a=rtcp-mux.
func (md *MediaDescription) RTCPMux() bool { return md.Attributes.Has(AttrRTCPMux) }

// RTCPMuxOnly reports a=rtcp-mux-only.
func (md *MediaDescription) RTCPMuxOnly() bool { return md.Attributes.Has(AttrRTCPMuxOnly) }

// RTCPRsize reports a=rtcp-rsize.
func (md *MediaDescription) RTCPRsize() bool { return md.Attributes.Has(AttrRTCPRsize) }

// BundleOnly reports a=bundle-only.
func (md *MediaDescription) BundleOnly() bool { return md.Attributes.Has(AttrBundleOnly) }

// SCTPPort parses a=sctp-port; ok is false when absent.
func (md *MediaDescription) SCTPPort() (uint16, bool, error) {
	return first(md.Attributes, AttrSCTPPort, func(v string) (uint16, error) {
		n, err := parseUintAttr(AttrSCTPPort, v, 16)
		return uint16(n), err
	})
}

// MaxMessageSize parses a=max-message-size (RFC 8841 §6.1: 0 means no
// limit); ok is false when absent (then 64 KiB is implied, §6.1).
func (md *MediaDescription) MaxMessageSize() (uint64, bool, error) {
	return first(md.Attributes, AttrMaxMessageSize, func(v string) (uint64, error) {
		return parseUintAttr(AttrMaxMessageSize, v, 64)
	})
}

// IsRejected reports a section rejected with port 0 (RFC 3264 §6) and not
// bundle-only (RFC 9143 §7.5.3 uses port 0 for bundle-only offers).
func (md *MediaDescription) IsRejected() bool { return md.Port == 0 && !md.BundleOnly() }

// Groups parses every session-level a=group.
func (sd *SessionDescription) Groups() ([]Group, error) {
	return collect(sd.Attributes, AttrGroup, ParseGroup)
}

// BundleGroup returns the first a=group:BUNDLE.
func (sd *SessionDescription) BundleGroup() (Group, bool) {
	gs, _ := sd.Groups()
	for _, g := range gs {
		if g.Semantics == "BUNDLE" {
			return g, true
		}
	}
	return Group{}, false
}

// MSIDSemantic parses a=msid-semantic; ok is false when absent.
func (sd *SessionDescription) MSIDSemantic() (MSIDSemantic, bool, error) {
	return first(sd.Attributes, AttrMSIDSemantic, ParseMSIDSemantic)
}

// ICELite reports a session-level a=ice-lite.
func (sd *SessionDescription) ICELite() bool { return sd.Attributes.Has(AttrICELite) }

// MediaByMID returns the section with a=mid:mid, or nil.
func (sd *SessionDescription) MediaByMID(mid string) *MediaDescription {
	for _, md := range sd.Media {
		if m, ok := md.MID(); ok && m == mid {
			return md
		}
	}
	return nil
}

// Lookup returns the value of attribute key for md: the media-level one
// if present, else the session-level one. Use it for attributes that may
// sit at either level: ice-ufrag, ice-pwd, ice-options, fingerprint, setup,
// tls-id, direction flags (RFC 8866 §6: media-level overrides session-level).
func (sd *SessionDescription) Lookup(md *MediaDescription, key string) (string, bool) {
	if md != nil {
		if v, ok := md.Attributes.Get(key); ok {
			return v, true
		}
	}
	return sd.Attributes.Get(key)
}

// ICECredentials returns the ufrag and password for md, media level first.
func (sd *SessionDescription) ICECredentials(md *MediaDescription) (ufrag, pwd string, ok bool) {
	u, ok1 := sd.Lookup(md, AttrICEUfrag)
	p, ok2 := sd.Lookup(md, AttrICEPwd)
	return u, p, ok1 && ok2
}

// Fingerprints returns the fingerprints for md: the media-level ones if
// any, else the session-level ones.
func (sd *SessionDescription) Fingerprints(md *MediaDescription) ([]Fingerprint, error) {
	if md != nil && md.Attributes.Has(AttrFingerprint) {
		return md.Attributes.Fingerprints()
	}
	return sd.Attributes.Fingerprints()
}

// Setup returns a=setup for md, media level first.
func (sd *SessionDescription) Setup(md *MediaDescription) (Setup, error) {
	v, ok := sd.Lookup(md, AttrSetup)
	if !ok {
		return SetupNone, nil
	}
	return ParseSetup(v)
}

// Direction returns the direction for md: media level, else session
// level, else sendrecv (RFC 8866 §6.7: "If none of the attributes ...
// is present, "sendrecv" SHOULD be assumed").
func (sd *SessionDescription) Direction(md *MediaDescription) Direction {
	if d := md.Direction(); d != DirectionNone {
		return d
	}
	if d := sd.Attributes.Direction(); d != DirectionNone {
		return d
	}
	return DirectionSendRecv
}

// TLSID returns a=tls-id (RFC 8842 §5.2).
func (md *MediaDescription) TLSID() (string, bool) { return md.Attributes.Get(AttrTLSID) }

// ICEUfrag returns the media-level a=ice-ufrag (see also
// SessionDescription.ICECredentials, which falls back to session level).
func (md *MediaDescription) ICEUfrag() (string, bool) { return md.Attributes.Get(AttrICEUfrag) }

// ICEPwd returns the media-level a=ice-pwd.
func (md *MediaDescription) ICEPwd() (string, bool) { return md.Attributes.Get(AttrICEPwd) }

// ExtMapAllowMixed reports a=extmap-allow-mixed at media level.
func (md *MediaDescription) ExtMapAllowMixed() bool {
	return md.Attributes.Has(AttrExtMapAllowMixed)
}
