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
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	newPC := func(seed byte, addr string, lite bool) *PeerConnection {
		cfg := Configuration{Rand: &seqReader{n: seed}, ICELite: lite}
		if addr != "" {
			cfg.LocalAddresses = []netip.AddrPort{netip.MustParseAddrPort(addr)}
		}
		pc, err := NewPeerConnection(cfg)
		must(err)
		return pc
	}

	a := newPC(1, "127.0.0.1:4000", false)
	if _, err := a.CreateDataChannel("x", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	o, err := a.CreateOffer()
	must(err)
	got["offer-data.sdp"] = o.SDP
	must(a.SetLocalDescription(o))
	got["offer-data-local.sdp"] = a.LocalDescription().SDP
	a.EndOfLocalAddresses()
	got["offer-data-local-complete.sdp"] = a.LocalDescription().SDP

	b := newPC(2, "127.0.0.1:4001", false)
	must(b.SetRemoteDescription(o))
	ans, err := b.CreateAnswer()
	must(err)
	got["answer-data.sdp"] = ans.SDP
	must(b.SetLocalDescription(ans))
	got["answer-data-local.sdp"] = b.LocalDescription().SDP
	must(a.SetRemoteDescription(ans))

	// Renegotiation from the answerer: the DTLS role is kept (passive).
	if _, err := b.AddTransceiver(MediaKindAudio, DirectionSendRecv); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddTransceiver(MediaKindVideo, DirectionSendRecv); err != nil {
		t.Fatal(err)
	}
	o2, err := b.CreateOffer()
	must(err)
	got["reoffer-media.sdp"] = o2.SDP
	must(b.SetLocalDescription(o2))
	must(a.SetRemoteDescription(o2))
	a2, err := a.CreateAnswer()
	must(err)
	got["reanswer-media.sdp"] = a2.SDP

	c := newPC(3, "", true)
	if _, err := c.AddTransceiver(MediaKindVideo, DirectionSendRecv); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDataChannel("y", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	o3, err := c.CreateOffer()
	must(err)
	got["offer-lite-media.sdp"] = o3.SDP

	for i, f := range []string{"chromium-offer-datachannel.sdp", "chromium-offer-media-datachannel.sdp", "pion-offer-datachannel.sdp"} {
		raw, err := os.ReadFile(filepath.Join("testdata", f))
		must(err)
		d := newPC(byte(10+i), "127.0.0.1:4002", false)
		must(d.SetRemoteDescription(SessionDescription{Type: SDPTypeOffer, SDP: string(raw)}))
		an, err := d.CreateAnswer()
		must(err)
		got["answer-to-"+f] = an.SDP
		must(d.SetLocalDescription(an))
		got["answer-local-to-"+f] = d.LocalDescription().SDP
	}

	update := os.Getenv("SANSRTC_UPDATE_GOLDEN") == "1"
	for name, s := range got {
		s = goldenFingerprint.ReplaceAllString(s, "fingerprint:sha-256 FP")
		path := filepath.Join("testdata", "golden", name)
		if update {
			must(os.MkdirAll(filepath.Dir(path), 0o755))
			must(os.WriteFile(path, []byte(s), 0o644))
			continue
		}
		want, err := os.ReadFile(path)
		must(err)
		if s != string(want) {
			t.Errorf("%s differs from %s:\n got:\n%s\nwant:\n%s", name, path, s, want)
		}
	}
}
