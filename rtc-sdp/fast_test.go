package sdp

import "testing"

// FuzzCandidateOK: the one-pass candidate check accepts exactly what
// parseCandidate accepts.
func FuzzCandidateOK(f *testing.F) {
	for _, v := range []string{
		"3692507984 1 udp 2122194687 127.0.0.1 60888 typ host generation 0 network-id 3 network-cost 50",
		"1 1 udp 1 1.2.3.4 9 typ host ", "1 1 udp 1 1.2.3.4 9 typ  host", "candidate:1 1 udp 1 1.2.3.4 9 typ host",
		"1 1 tcp 1 ::1 9 typ host tcptype active", "1 1 tcp 1 ::1 9 typ host tcptype x",
		"1 1 udp 1 1.2.3.4 9 typ srflx raddr 0.0.0.0 rport 1 raddr 1.1.1.1",
		"1 1 udp 1 1.2.3.4 9 typ srflx rport 1 raddr 0.0.0.0", "1 1 udp 1 1.2.3.4 9 typ host generation",
		"1 0 udp 1 1.2.3.4 9 typ host", "1 0001 udp 1 1.2.3.4 9 typ host", "1 1 udp 1 1.2.3.4 9 typ",
		"1 1 udp 1 1.2.3.4 9 typx host", "1 1 udp 4294967296 1.2.3.4 9 typ host",
	} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		var c Candidate
		slow := parseCandidate(v, &c, false) == nil
		if fast := candidateOK(v); fast != slow {
			t.Fatalf("%q: candidateOK %v, parseCandidate %v", v, fast, slow)
		}
	})
}

// FuzzFastChecks: each one-pass check accepts exactly what its typed
// parser accepts, and isHexPairs what the modulo loop it replaced did.
func FuzzFastChecks(f *testing.F) {
	for _, v := range []string{
		"96 nack pli", "* ccm fir", "127 nack", "128 nack", "96  nack", "96 nack ", "96", "96 ", "x nack", "96 na.ck",
		"111 opus/48000/2", "0 PCMU/8000", "96 x/48000/0", "96 x/4294967296", "96 /8000", "96 a b/8000", "96 VP8/90000/",
		"1 urn:ietf:params:rtp-hdrext:ssrc-audio-level", "3/sendonly urn:x attrs", "256 urn:x", "4096 urn:x", "1/x urn:x", "1  urn:x",
		"1234 cname:abc", "1234 msid:a b", "1234 cname", "1234 cn ame:x", "4294967296 cname:x", "1234 :x", "1234",
		"111 minptime=10;useinbandfec=1", "111", "111 ", "1 1 a\rb", "a/b x",
		"AB:CD:EF", "ab:cd", "A", "AB:", "AB:CD:E", "G0:00", "00-00",
	} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		checks := []struct {
			name string
			fast bool
			err  error
		}{
			{"rtcp-fb", rtcpFBOK(v), errOf(ParseRTCPFeedback(v))},
			{"rtpmap", rtpmapOK(v), errOf(ParseRTPMap(v))},
			{"extmap", extmapOK(v), errOf(ParseExtMap(v))},
			{"ssrc", ssrcOK(v), errOf(ParseSSRC(v))},
			{"fmtp", fmtpOK(v), errOf(ParseFMTP(v))},
		}
		for _, c := range checks {
			if c.fast != (c.err == nil) {
				t.Fatalf("%s %q: fast check %v, parser %v", c.name, v, c.fast, c.err)
			}
		}
		if got, want := isHexPairs(v), isHexPairsModulo(v); got != want {
			t.Fatalf("isHexPairs(%q) = %v, the modulo loop %v", v, got, want)
		}
	})
}

func errOf[T any](_ T, err error) error { return err }

// isHexPairsModulo is isHexPairs as it was before the sdpperf work.
func isHexPairsModulo(s string) bool {
	if (len(s)+1)%3 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i%3 == 2 {
			if c != ':' {
				return false
			}
		} else if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// FuzzSplitAttr: splitAttr splits and accepts as cutOrAll(v, ':') and
// isToken on the name did.
func FuzzSplitAttr(f *testing.F) {
	for _, v := range []string{"mid:0", "rtcp-mux", ":x", "", "a b:c", "a:b:c", "x\x00:y", "k:", "é:x"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		k, val, ok := splitAttr(v)
		wk, wv, _ := cutOrAll(v, ':')
		if ok != isToken(wk) || ok && (k != wk || val != wv) {
			t.Fatalf("%q: splitAttr %q %q %v, cut %q %q token %v", v, k, val, ok, wk, wv, isToken(wk))
		}
	})
}
