package sdp

// SessionDescription is a whole SDP (RFC 8866 §5): the session-level
// fields, in the order the grammar of §9 requires, then the media
// descriptions. Strings alias the text that was parsed (one copy of the
// input), so parsing allocates little; they are ordinary Go strings and
// stay valid.
type SessionDescription struct {
	// Version is v= (RFC 8866 §5.1); always 0.
	Version int
	// Origin is o= (§5.2).
	Origin Origin
	// SessionName is s= (§5.3); "-" when there is none to give.
	SessionName string
	// Information is i= (§5.4); empty when absent.
	Information string
	// URI is u= (§5.5); empty when absent.
	URI string
	// Emails are the e= lines (§5.6).
	Emails []string
	// Phones are the p= lines (§5.6).
	Phones []string
	// Connection is the session-level c= (§5.7), or nil.
	Connection *Connection
	// Bandwidths are the session-level b= lines (§5.8).
	Bandwidths []Bandwidth
	// Times are the t= lines, each with its r= lines (§5.9, §5.10).
	// RFC 8866 requires at least one; NewSession adds "t=0 0".
	Times []Time
	// TimeZones is the value of z= (§5.11), kept as text; empty when absent.
	TimeZones string
	// Key is the value of k= (§5.12, obsolete); empty when absent.
	Key string
	// Attributes are the session-level a= lines (§5.13), in order.
	Attributes Attributes
	// Media are the m= sections (§5.14), in order.
	Media []*MediaDescription

	// src is the text Parse read, and checked locates in it every
	// attribute Parse checked: the session-level ones, then each media
	// section's, each list opened by a header span (keyLen 0, which no
	// attribute has) whose off is the list's length. Both are private and
	// never change after Parse, so an attribute equal to the text its
	// span locates is known to satisfy its grammar; Validate rechecks only
	// the others.
	src     string
	checked []attrSpan
}

// attrSpan locates one attribute in the parsed text: its name is
// src[off:off+keyLen], its value the valLen bytes after the ':' that
// follows (or "" when valLen is 0). 12 bytes and no pointers, so the
// record costs the garbage collector nothing to scan.
type attrSpan struct {
	off, keyLen, valLen uint32
}

// lineEnd is the offset just past the value (or the name, when valLen is
// 0) in src.
func (s attrSpan) lineEnd() int {
	if s.valLen == 0 {
		return int(s.off + s.keyLen)
	}
	return int(s.off + s.keyLen + 1 + s.valLen)
}

// matches reports whether a has exactly the name and value that s
// locates in src. The compares of strings still pointing into src stop
// at the pointer.
func (s attrSpan) matches(src string, a *Attribute) bool {
	if int(s.keyLen) != len(a.Key) || int(s.valLen) != len(a.Value) {
		return false
	}
	k := int(s.off)
	if a.Key != src[k:k+len(a.Key)] {
		return false
	}
	if len(a.Value) == 0 {
		return true
	}
	v := k + len(a.Key) + 1
	return a.Value == src[v:v+len(a.Value)]
}

// Origin is the o= line (RFC 8866 §5.2).
type Origin struct {
	Username       string // "-" if none
	SessionID      uint64
	SessionVersion uint64
	NetworkType    string // "IN"
	AddressType    string // "IP4" or "IP6"
	Address        string // an address or a name
}

// Connection is a c= line (RFC 8866 §5.7). Address may carry a multicast
// TTL and number of addresses ("224.2.1.1/127/3"), kept as text.
type Connection struct {
	NetworkType string // "IN"
	AddressType string // "IP4" or "IP6"
	Address     string
}

// Bandwidth is a b= line (RFC 8866 §5.8): "AS", "CT", "TIAS" (RFC 3890) or
// an extension.
type Bandwidth struct {
	Type  string
	Value uint64
}

// Time is a t= line (RFC 8866 §5.9) with its r= lines (§5.10), kept as text.
type Time struct {
	Start   uint64
	Stop    uint64
	Repeats []string
}

// MediaDescription is one m= section (RFC 8866 §5.14) and its lines.
type MediaDescription struct {
	// Media is the media type: "audio", "video", "application", ...
	Media string
	// Port is the transport port; 9 (the discard port) with ICE (RFC 8839
	// §4.2.3 lets an offer use it), 0 for a rejected section.
	Port int
	// NumPorts is the optional "/<number of ports>", 0 when absent.
	NumPorts int
	// Proto is the transport protocol, e.g. "UDP/TLS/RTP/SAVPF" or
	// "UDP/DTLS/SCTP".
	Proto string
	// Formats are the media formats: RTP payload types, or
	// "webrtc-datachannel".
	Formats []string
	// Information is i= (§5.4); empty when absent.
	Information string
	// Connections are the media-level c= lines.
	Connections []Connection
	// Bandwidths are the media-level b= lines.
	Bandwidths []Bandwidth
	// Key is k= (obsolete); empty when absent.
	Key string
	// Attributes are the media-level a= lines, in order.
	Attributes Attributes
}

// Attribute is one a= line (RFC 8866 §5.13): "a=<Key>" for a property
// attribute (Value empty), "a=<Key>:<Value>" for a value attribute. Unknown
// attributes are kept as they are and marshalled back unchanged.
type Attribute struct {
	Key   string
	Value string
}

// String returns the line without "a=": "rtcp-mux" or "mid:0".
func (a Attribute) String() string {
	if a.Value == "" {
		return a.Key
	}
	return a.Key + ":" + a.Value
}
