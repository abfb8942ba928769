package rtc

import (
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// seqReader is a deterministic randomness source for golden output.
type seqReader struct{ n byte }

func (r *seqReader) Read(p []byte) (int, error) {
	for i := range p {
		r.n = r.n*31 + 7
		p[i] = r.n
	}
	return len(p), nil
}

// The certificate is generated fresh, so its fingerprint is masked.
var goldenFingerprint = regexp.MustCompile(`fingerprint:sha-256 [0-9A-F:]+`)

// TestSDPGolden pins the text of the offers and answers the PeerConnection
// writes (data only, with transceivers, ICE lite, renegotiation, answers
// to recorded Chromium and Pion offers, with and without candidates):
// browsers and Pion interoperate with exactly this (tools/interop).
// SANSRTC_UPDATE_GOLDEN=1 rewrites testdata/golden.
func TestSDPGolden(t *testing.T) {
	got := map[string]string{}
	goldenExchange(t, got)
	goldenLiteOffer(t, got)
	goldenBrowserAnswers(t, got)
	checkGolden(t, got)
}

// goldenMust stops the test on an error.
func goldenMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func goldenPC(t *testing.T, seed byte, addr string, lite bool) *PeerConnection {
	t.Helper()
	cfg := Configuration{Rand: &seqReader{n: seed}, ICELite: lite}
	if addr != "" {
		cfg.LocalAddresses = []netip.AddrPort{netip.MustParseAddrPort(addr)}
	}
	pc, err := NewPeerConnection(cfg)
	goldenMust(t, err)
	return pc
}

// goldenExchange: a data offer and its answer, then a media re-offer from
// the answerer (the DTLS role is kept: passive) and its answer.
func goldenExchange(t *testing.T, got map[string]string) {
	a := goldenPC(t, 1, "127.0.0.1:4000", false)
	_, err := a.CreateDataChannel("x", DataChannelInit{})
	goldenMust(t, err)
	o, err := a.CreateOffer()
	goldenMust(t, err)
	got["offer-data.sdp"] = o.SDP
	goldenMust(t, a.SetLocalDescription(o))
	got["offer-data-local.sdp"] = a.LocalDescription().SDP
	a.EndOfLocalAddresses()
	got["offer-data-local-complete.sdp"] = a.LocalDescription().SDP

	b := goldenPC(t, 2, "127.0.0.1:4001", false)
	goldenMust(t, b.SetRemoteDescription(o))
	ans, err := b.CreateAnswer()
	goldenMust(t, err)
	got["answer-data.sdp"] = ans.SDP
	goldenMust(t, b.SetLocalDescription(ans))
	got["answer-data-local.sdp"] = b.LocalDescription().SDP
	goldenMust(t, a.SetRemoteDescription(ans))

	_, err = b.AddTransceiver(MediaKindAudio, TransceiverInit{})
	goldenMust(t, err)
	_, err = b.AddTransceiver(MediaKindVideo, TransceiverInit{})
	goldenMust(t, err)
	o2, err := b.CreateOffer()
	goldenMust(t, err)
	got["reoffer-media.sdp"] = o2.SDP
	goldenMust(t, b.SetLocalDescription(o2))
	goldenMust(t, a.SetRemoteDescription(o2))
	a2, err := a.CreateAnswer()
	goldenMust(t, err)
	got["reanswer-media.sdp"] = a2.SDP
}

func goldenLiteOffer(t *testing.T, got map[string]string) {
	c := goldenPC(t, 3, "", true)
	_, err := c.AddTransceiver(MediaKindVideo, TransceiverInit{})
	goldenMust(t, err)
	_, err = c.CreateDataChannel("y", DataChannelInit{})
	goldenMust(t, err)
	o3, err := c.CreateOffer()
	goldenMust(t, err)
	got["offer-lite-media.sdp"] = o3.SDP
}

// goldenBrowserAnswers: our answers to offers recorded from browsers and Pion.
func goldenBrowserAnswers(t *testing.T, got map[string]string) {
	for i, f := range []string{"chromium-offer-datachannel.sdp", "chromium-offer-media-datachannel.sdp", "pion-offer-datachannel.sdp"} {
		raw, err := os.ReadFile(filepath.Join("testdata", f))
		goldenMust(t, err)
		d := goldenPC(t, byte(10+i), "127.0.0.1:4002", false)
		goldenMust(t, d.SetRemoteDescription(SessionDescription{Type: SDPTypeOffer, SDP: string(raw)}))
		an, err := d.CreateAnswer()
		goldenMust(t, err)
		got["answer-to-"+f] = an.SDP
		goldenMust(t, d.SetLocalDescription(an))
		got["answer-local-to-"+f] = d.LocalDescription().SDP
	}
}

// checkGolden compares with testdata/golden (SANSRTC_UPDATE_GOLDEN=1
// rewrites it).
func checkGolden(t *testing.T, got map[string]string) {
	update := os.Getenv("SANSRTC_UPDATE_GOLDEN") == "1"
	for name, s := range got {
		s = goldenFingerprint.ReplaceAllString(s, "fingerprint:sha-256 FP")
		path := filepath.Join("testdata", "golden", name)
		if update {
			goldenMust(t, os.MkdirAll(filepath.Dir(path), 0o755))
			goldenMust(t, os.WriteFile(path, []byte(s), 0o644))
			continue
		}
		want, err := os.ReadFile(path)
		goldenMust(t, err)
		if s != string(want) {
			t.Errorf("%s differs from %s:\n got:\n%s\nwant:\n%s", name, path, s, want)
		}
	}
}
