package rtc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRealOffers: offers recorded from Chromium (with and without media)
// and Pion parse, validate and get an answer that keeps their m-line order
// and mids (RFC 8829 §5.3.1), with the data section accepted.
func TestRealOffers(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.sdp")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pc := newTestPC(t)
		if err := pc.SetRemoteDescription(SessionDescription{Type: SDPTypeOffer, SDP: string(b)}); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		ans, err := pc.CreateAnswer()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		offer, _ := parseSDP(string(b), 1<<20)
		answer, err := parseSDP(ans.SDP, 1<<20)
		if err != nil {
			t.Fatalf("%s: own answer does not parse: %v", f, err)
		}
		if len(answer.Media) != len(offer.Media) {
			t.Fatalf("%s: %d m-sections answered, %d offered", f, len(answer.Media), len(offer.Media))
		}
		for i := range offer.Media {
			o, a := offer.Media[i], answer.Media[i]
			if mid(a) != mid(o) || a.Media != o.Media {
				t.Errorf("%s: m-section %d: %s/%s answered as %s/%s", f, i, o.Media, mid(o), a.Media, mid(a))
			}
		}
		if !strings.Contains(ans.SDP, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel") || !strings.Contains(ans.SDP, "a=setup:active") {
			t.Errorf("%s: answer:\n%s", f, ans.SDP)
		}
	}
}
