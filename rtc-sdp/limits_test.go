package sdp

import (
	"errors"
	"testing"
)

// TestNumericFieldBounds: every numeric field at 0, 1, max and max+1
// (issue 11 adversarial suite). Before the fix, extmap ids 256-4095 were
// accepted and 4096-4351 (RFC 8285 §7, offer-only range) refused.
func TestNumericFieldBounds(t *testing.T) {
	cases := []struct {
		key, value string
		ok         bool
	}{
		// RFC 8285 §4.2/§4.3/§7: 1-14 one-byte, 1-255 two-byte, 4096-4351 in offers.
		{AttrExtMap, "0 urn:x", false},
		{AttrExtMap, "1 urn:x", true},
		{AttrExtMap, "14 urn:x", true},
		{AttrExtMap, "15 urn:x", true},
		{AttrExtMap, "16 urn:x", true},
		{AttrExtMap, "255 urn:x", true},
		{AttrExtMap, "256 urn:x", false},
		{AttrExtMap, "4095 urn:x", false},
		{AttrExtMap, "4096 urn:x", true},
		{AttrExtMap, "4351 urn:x", true},
		{AttrExtMap, "4352 urn:x", false},
		{AttrExtMap, "65536 urn:x", false},
		// RFC 3551: payload types are 7 bits.
		{AttrRTPMap, "0 PCMU/8000", true},
		{AttrRTPMap, "127 x/90000", true},
		{AttrRTPMap, "128 x/90000", false},
		{AttrRTPMap, "-1 x/90000", false},
		{AttrRTPMap, "96 x/4294967295", true},
		{AttrRTPMap, "96 x/4294967296", false},
		{AttrRTPMap, "96 x/48000/65535", true},
		{AttrRTPMap, "96 x/48000/0", false},
		{AttrRTPMap, "96 x/48000/65536", false},
		{AttrRTCPFB, "127 nack", true},
		{AttrRTCPFB, "128 nack", false},
		{AttrSCTPPort, "0", true}, // grammar allows 0; the PeerConnection refuses it
		{AttrSCTPPort, "65535", true},
		{AttrSCTPPort, "65536", false},
		{AttrMaxMessageSize, "0", true},
		{AttrMaxMessageSize, "18446744073709551615", true},
		{AttrMaxMessageSize, "18446744073709551616", false},
		{AttrICEPacing, "2147483647", true},
		{AttrICEPacing, "2147483648", false},
		{AttrSSRC, "0 cname:x", true},
		{AttrSSRC, "4294967295 cname:x", true},
		{AttrSSRC, "4294967296 cname:x", false},
		{AttrRTCP, "65535", true},
		{AttrRTCP, "65536", false},
		// RFC 8839 §5.1: component-id = 1*3DIGIT, priority = 1*10DIGIT (32 bits), port.
		{AttrCandidate, "1 0 udp 1 1.2.3.4 9 typ host", false},
		{AttrCandidate, "1 1 udp 1 1.2.3.4 9 typ host", true},
		{AttrCandidate, "1 999 udp 1 1.2.3.4 9 typ host", true},
		{AttrCandidate, "1 0001 udp 1 1.2.3.4 9 typ host", false},
		{AttrCandidate, "1 1 udp 4294967295 1.2.3.4 65535 typ host", true},
		{AttrCandidate, "1 1 udp 4294967296 1.2.3.4 9 typ host", false},
		{AttrCandidate, "1 1 udp 1 1.2.3.4 65536 typ host", false},
		{AttrCandidate, "1 1 udp 1 1.2.3.4 9 typ srflx raddr 0.0.0.0 rport 65536", false},
		{AttrCandidate, "123456789012345678901234567890123 1 udp 1 1.2.3.4 9 typ host", false},
		// RFC 8839 §5.4: ufrag 4-256, password 22-256 ice-chars.
		{AttrICEUfrag, "abc", false},
		{AttrICEUfrag, "abcd", true},
		{AttrICEPwd, "abcdefghijklmnopqrstu", false},
		{AttrICEPwd, "abcdefghijklmnopqrstuv", true},
		{AttrMSID, string(make64('s')) + " t", true},
		{AttrMSID, string(make64('s')) + "s t", false},
	}
	for _, c := range cases {
		err := checkAttr(c.key, c.value)
		if (err == nil) != c.ok {
			t.Errorf("a=%s:%s: err %v, want ok=%v", c.key, c.value, err, c.ok)
		}
		if err != nil && !errors.Is(err, ErrAttribute) {
			t.Errorf("a=%s:%s: %v does not wrap ErrAttribute", c.key, c.value, err)
		}
		_, perr := Parse(minimal + "m=audio 9 RTP/AVP 0\r\na=" + c.key + ":" + c.value + "\r\n")
		if (perr == nil) != c.ok {
			t.Errorf("Parse a=%s:%s: err %v, want ok=%v", c.key, c.value, perr, c.ok)
		}
	}
	// m= port and number of ports are 16 bits (RFC 8866 §5.14).
	for _, m := range []struct {
		line string
		ok   bool
	}{
		{"m=audio 0 RTP/AVP 0", true}, {"m=audio 65535 RTP/AVP 0", true}, {"m=audio 65536 RTP/AVP 0", false},
		{"m=audio 9/1 RTP/AVP 0", true}, {"m=audio 9/65535 RTP/AVP 0", true}, {"m=audio 9/65536 RTP/AVP 0", false},
		{"m=audio -1 RTP/AVP 0", false},
	} {
		if _, err := Parse(minimal + m.line + "\r\n"); (err == nil) != m.ok {
			t.Errorf("%s: %v, want ok=%v", m.line, err, m.ok)
		}
	}
	sd := NewSession(1, 1).AddMedia(NewMedia("audio", 65536, "RTP/AVP", "0"))
	if _, err := sd.Marshal(); !errors.Is(err, ErrSyntax) {
		t.Errorf("Marshal with port 65536: %v", err)
	}
}

func make64(c byte) []byte {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return b
}
