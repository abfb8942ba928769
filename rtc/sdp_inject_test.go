package rtc

import (
	"errors"
	"strings"
	"testing"
)

// TestRemoteMIDInjection: issue 11, "SDP line injection". An offer whose
// a=mid (and BUNDLE group) carries a bare CR, NUL, ESC or DEL used to be
// applied, and the bytes were echoed into our answer's a=mid and
// a=group:BUNDLE. rtc-sdp now refuses such a description (RFC 8866 §9,
// RFC 5888 §4 identification-tag = token), so SetRemoteDescription fails
// and nothing reaches an answer.
func TestRemoteMIDInjection(t *testing.T) {
	for _, bad := range []string{"0\ra=fingerprint:sha-256 00:11", "0\x00", "0\x1b[2J", "0\x7f"} {
		a, b := newTestPC(t), newTestPC(t)
		if _, err := a.CreateDataChannel("x", DataChannelInit{}); err != nil {
			t.Fatal(err)
		}
		o, err := a.CreateOffer()
		if err != nil {
			t.Fatal(err)
		}
		mid := "a=mid:0\r\n"
		if !strings.Contains(o.SDP, mid) || !strings.Contains(o.SDP, "a=group:BUNDLE 0\r\n") {
			t.Fatalf("offer without mid 0:\n%s", o.SDP)
		}
		o.SDP = strings.ReplaceAll(o.SDP, mid, "a=mid:"+bad+"\r\n")
		o.SDP = strings.ReplaceAll(o.SDP, "a=group:BUNDLE 0\r\n", "a=group:BUNDLE "+bad+"\r\n")
		if err := b.SetRemoteDescription(o); !errors.Is(err, ErrInvalidSDP) {
			t.Errorf("mid %q: SetRemoteDescription = %v, want ErrInvalidSDP", bad, err)
			if ans, err := b.CreateAnswer(); err == nil {
				t.Errorf("answer echoes it:\n%q", ans.SDP)
			}
		}
	}
}
