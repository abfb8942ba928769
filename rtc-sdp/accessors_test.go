package sdp

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustParseFile(t *testing.T, name string) *SessionDescription {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return sd
}

// Every typed accessor on every section of every full fixture succeeds.
func TestTypedAccessorsOnFixtures(t *testing.T) {
	for name := range fixtures(t) {
		if isFragment(name) {
			continue
		}
		sd := mustParseFile(t, name)
		check := func(what string, err error) {
			if err != nil {
				t.Errorf("%s: %s: %v", name, what, err)
			}
		}
		_, err := sd.Groups()
		check("groups", err)
		_, _, err = sd.MSIDSemantic()
		check("msid-semantic", err)
		_, err = sd.Attributes.Fingerprints()
		check("session fingerprint", err)
		for _, md := range sd.Media {
			_, err = md.RTPMaps()
			check("rtpmap", err)
			_, err = md.FMTPs()
			check("fmtp", err)
			_, err = md.RTCPFeedbacks()
			check("rtcp-fb", err)
			_, err = md.ExtMaps()
			check("extmap", err)
			_, err = md.SSRCs()
			check("ssrc", err)
			_, err = md.SSRCGroups()
			check("ssrc-group", err)
			_, err = md.RIDs()
			check("rid", err)
			_, _, err = md.Simulcast()
			check("simulcast", err)
			_, err = md.Candidates()
			check("candidate", err)
			_, err = sd.Fingerprints(md)
			check("fingerprint", err)
			_, err = sd.Setup(md)
			check("setup", err)
			_, _, err = md.RTCP()
			check("rtcp", err)
			_, _, err = md.SCTPPort()
			check("sctp-port", err)
			_, _, err = md.MaxMessageSize()
			check("max-message-size", err)
			_, err = md.MSIDs()
			check("msid", err)
			_, err = md.ImageAttrs()
			check("imageattr", err)
			_, _, err = md.Attributes.ICEPacing()
			check("ice-pacing", err)
		}
	}
}

// Every typed attribute value in the fixtures re-marshals to its text.
func TestTypedValuesRoundTrip(t *testing.T) {
	parsers := map[string]func(string) (AttrValue, error){
		AttrCandidate:    func(v string) (AttrValue, error) { return ParseCandidate(v) },
		AttrRTPMap:       func(v string) (AttrValue, error) { return ParseRTPMap(v) },
		AttrFMTP:         func(v string) (AttrValue, error) { return ParseFMTP(v) },
		AttrRTCPFB:       func(v string) (AttrValue, error) { return ParseRTCPFeedback(v) },
		AttrExtMap:       func(v string) (AttrValue, error) { return ParseExtMap(v) },
		AttrSSRC:         func(v string) (AttrValue, error) { return ParseSSRC(v) },
		AttrSSRCGroup:    func(v string) (AttrValue, error) { return ParseSSRCGroup(v) },
		AttrRID:          func(v string) (AttrValue, error) { return ParseRID(v) },
		AttrSimulcast:    func(v string) (AttrValue, error) { return ParseSimulcast(v) },
		AttrFingerprint:  func(v string) (AttrValue, error) { return ParseFingerprint(v) },
		AttrSetup:        func(v string) (AttrValue, error) { return ParseSetup(v) },
		AttrGroup:        func(v string) (AttrValue, error) { return ParseGroup(v) },
		AttrMSID:         func(v string) (AttrValue, error) { return ParseMSID(v) },
		AttrRTCP:         func(v string) (AttrValue, error) { return ParseRTCP(v) },
		AttrImageAttr:    func(v string) (AttrValue, error) { return ParseImageAttr(v) },
		AttrMSIDSemantic: func(v string) (AttrValue, error) { return ParseMSIDSemantic(v) },
	}
	n := 0
	for name := range fixtures(t) {
		if isFragment(name) {
			continue
		}
		sd := mustParseFile(t, name)
		all := append(Attributes(nil), sd.Attributes...)
		for _, md := range sd.Media {
			all = append(all, md.Attributes...)
		}
		for _, a := range all {
			p, ok := parsers[a.Key]
			if !ok {
				continue
			}
			v, err := p(a.Value)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if got := string(v.AppendValue(nil)); got != a.Value {
				t.Errorf("%s: a=%s:%q re-marshals as %q", name, a.Key, a.Value, got)
			}
			n++
		}
	}
	t.Logf("%d typed attributes round-tripped", n)
}

func TestChromeOffer(t *testing.T) {
	sd := mustParseFile(t, "chrome_offer_gathered.sdp")
	if len(sd.Media) != 3 {
		t.Fatalf("%d media sections", len(sd.Media))
	}
	g, ok := sd.BundleGroup()
	if !ok || len(g.MIDs) != 3 {
		t.Errorf("bundle %v", g)
	}
	if !sd.Attributes.Has(AttrExtMapAllowMixed) {
		t.Error("extmap-allow-mixed")
	}
	audio, video, data := sd.Media[0], sd.Media[1], sd.Media[2]
	if audio.Media != "audio" || video.Media != "video" || data.Media != "application" {
		t.Fatal("media order")
	}
	opus, ok := audio.RTPMap(111)
	if !ok || opus != (RTPMap{111, "opus", 48000, 2}) {
		t.Errorf("opus %+v", opus)
	}
	if f, ok := audio.FMTP("111"); !ok {
		t.Error("no fmtp 111")
	} else if v, _ := f.Param("useinbandfec"); v != "1" {
		t.Errorf("useinbandfec %q", v)
	}
	u, p, ok := sd.ICECredentials(video)
	if !ok || u == "" || len(p) < 22 {
		t.Errorf("ice %q %q", u, p)
	}
	if s, err := sd.Setup(audio); err != nil || s != SetupActpass {
		t.Errorf("setup %v %v", s, err)
	}
	fps, err := sd.Fingerprints(audio)
	if err != nil {
		t.Fatal(err)
	}
	if len(fps) != 1 || fps[0].Hash != "sha-256" {
		t.Fatalf("fingerprints %v", fps)
	}
	if b, err := fps[0].Bytes(); err != nil || len(b) != 32 {
		t.Errorf("fingerprint bytes %v", err)
	}
	if sd.Direction(video) != DirectionSendRecv {
		t.Error("direction")
	}
	groups, err := video.SSRCGroups()
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].Semantics != "FID" || len(groups[0].SSRCs) != 2 {
		t.Errorf("ssrc-group %v", groups)
	}
	if port, ok, err := data.SCTPPort(); err != nil || !ok || port != 5000 {
		t.Errorf("sctp-port %d", port)
	}
	if mms, ok, err := data.MaxMessageSize(); err != nil || !ok || mms != 262144 {
		t.Errorf("max-message-size %d", mms)
	}
	cands, err := audio.Candidates()
	if err != nil {
		t.Fatal(err)
	}
	if len(cands) == 0 {
		t.Fatal("no candidates")
	}
	for _, c := range cands {
		ap, ok := c.AddrPort()
		if !ok || !ap.Addr().IsLoopback() {
			t.Errorf("candidate %v not loopback", c)
		}
		if gen, ok := c.Generation(); !ok || gen != 0 {
			t.Error("generation")
		}
		if c.Transport == "tcp" && c.TCPType != "active" {
			t.Errorf("tcptype %q", c.TCPType)
		}
	}
	exts, err := video.ExtMaps()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range exts {
		found = found || e.URI == "urn:ietf:params:rtp-hdrext:sdes:mid"
	}
	if !found {
		t.Error("no mid extmap")
	}
	if !audio.RTCPMux() || !audio.RTCPRsize() {
		t.Error("rtcp-mux/rsize")
	}
	if r, ok, err := audio.RTCP(); err != nil || !ok || r.Port != 9 || r.Address != "0.0.0.0" {
		t.Errorf("rtcp %+v", r)
	}
	msids, err := audio.MSIDs()
	if err != nil {
		t.Fatal(err)
	}
	if len(msids) != 1 || msids[0].TrackID == "" {
		t.Errorf("msid %v", msids)
	}
}

func TestChromeSimulcast(t *testing.T) {
	sd := mustParseFile(t, "chrome_simulcast_offer.sdp")
	md := sd.Media[0]
	sc, ok, err := md.Simulcast()
	if !ok || err != nil {
		t.Fatal(err)
	}
	want := [][]SimulcastStream{{{RID: "hi"}}, {{RID: "mid"}}, {{RID: "lo"}}}
	if d := cmp.Diff(want, sc.Send); d != "" {
		t.Error(d)
	}
	rids, err := md.RIDs()
	if err != nil {
		t.Fatal(err)
	}
	if len(rids) != 3 || rids[0].Direction != "send" {
		t.Errorf("rids %v", rids)
	}
	if md.Direction() != DirectionSendOnly {
		t.Error("direction")
	}
}

func TestRFCFixtureAttributes(t *testing.T) {
	sd := mustParseFile(t, "rfc8829_offer-C1.sdp")
	for _, md := range sd.Media {
		if sc, ok, err := md.Simulcast(); ok && err == nil {
			t.Logf("simulcast %+v", sc)
		}
	}
	sd = mustParseFile(t, "rfc8839_sec4.2.6_ice_example.sdp")
	if sd.SessionName != "" {
		t.Errorf("empty s= kept: %q", sd.SessionName)
	}
	opts := sd.Attributes.ICEOptions()
	if !opts.Has("ice2") {
		t.Errorf("ice-options %v", opts)
	}
	if p, ok, err := sd.Attributes.ICEPacing(); !ok || err != nil || p != 50 {
		t.Errorf("ice-pacing %d %v %v", p, ok, err)
	}
	cands, err := sd.Media[0].Candidates()
	if err != nil {
		t.Fatal(err)
	}
	var srflx *Candidate
	for i := range cands {
		if cands[i].Type == CandidateSrflx {
			srflx = &cands[i]
		}
	}
	if srflx == nil || !srflx.HasRelated || srflx.RelatedAddress == "" {
		t.Errorf("srflx %+v", srflx)
	}
	sd = mustParseFile(t, "rfc4566_sec5_example.sdp")
	if sd.Connection == nil || sd.Connection.Address != "224.2.17.12/127" || sd.Attributes.Direction() != DirectionRecvOnly {
		t.Error("rfc4566 example")
	}
	mds, err := ParseMedia(string(must(os.ReadFile("testdata/rfc8841_sec4.5_media_fragment.sdp"))))
	if err != nil {
		t.Fatal(err)
	}
	if p, ok, err := mds[0].SCTPPort(); err != nil || !ok || p != 5000 {
		t.Error("fragment sctp-port")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestCandidateGrammar(t *testing.T) {
	cases := []struct {
		in   string
		want Candidate
	}{
		{"candidate:842163049 1 udp 1677729535 203.0.113.7 51234 typ srflx raddr 192.0.2.5 rport 51234 generation 0 ufrag EsAw network-id 1 network-cost 10",
			Candidate{Foundation: "842163049", Component: 1, Transport: "udp", Priority: 1677729535, Address: "203.0.113.7", Port: 51234, Type: "srflx",
				RelatedAddress: "192.0.2.5", RelatedPort: 51234, HasRelated: true,
				Extensions: []CandidateExtension{{"generation", "0"}, {"ufrag", "EsAw"}, {"network-id", "1"}, {"network-cost", "10"}}}},
		{"1 1 UDP 2122252543 4a6f8e2c-1b2d-4c3e-9f00-123456789abc.local 56143 typ host generation 0",
			Candidate{Foundation: "1", Component: 1, Transport: "UDP", Priority: 2122252543, Address: "4a6f8e2c-1b2d-4c3e-9f00-123456789abc.local", Port: 56143, Type: "host",
				Extensions: []CandidateExtension{{"generation", "0"}}}},
		{"2 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active",
			Candidate{Foundation: "2", Component: 1, Transport: "tcp", Priority: 1518280447, Address: "192.0.2.1", Port: 9, Type: "host", TCPType: "active"}},
		{"3 2 udp 41885439 198.51.100.1 3478 typ relay raddr 0.0.0.0 rport 0",
			Candidate{Foundation: "3", Component: 2, Transport: "udp", Priority: 41885439, Address: "198.51.100.1", Port: 3478, Type: "relay", RelatedAddress: "0.0.0.0", HasRelated: true}},
	}
	for _, c := range cases {
		got, err := ParseCandidate(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%q:\n%s", c.in, d)
		}
		want := c.in
		if want[:10] != "candidate:" {
			want = "candidate:" + want
		}
		if got.String() != want {
			t.Errorf("String() = %q, want %q", got.String(), want)
		}
	}
	mdns, err := ParseCandidate(cases[1].in)
	if err != nil {
		t.Fatal(err)
	}
	if !mdns.IsMDNS() {
		t.Error("mDNS not detected")
	}
	if _, ok := mdns.AddrPort(); ok {
		t.Error("mDNS name parsed as IP")
	}
	if c, err := ParseCandidate(cases[0].in); err != nil {
		t.Fatal(err)
	} else if u, _ := c.Ufrag(); u != "EsAw" {
		t.Error("ufrag")
	}
	for _, bad := range []string{
		"", "candidate:", "1 1 udp 1 192.0.2.1 9 host", "1 x udp 1 192.0.2.1 9 typ host",
		"1 1 udp 99999999999 192.0.2.1 9 typ host", "1 1 udp 1 192.0.2.1 70000 typ host",
		"1 1 udp 1 192.0.2.1 9 typ host generation", "1 1 udp 1 192.0.2.1 9 typ host rport x",
		"1 0 udp 1 192.0.2.1 9 typ host", "1 1 udp 1 192.0.2.1 9 typ",
	} {
		if _, err := ParseCandidate(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestTrickleCandidates(t *testing.T) {
	b := must(os.ReadFile("testdata/rfc8829_trickle_candidates.json"))
	// Parse every "candidate:..." string in the file, wherever it sits.
	var doc map[string]any
	if err := jsonUnmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	walkStrings(doc, func(s string) {
		if len(s) > 10 && s[:10] == "candidate:" {
			if _, err := ParseCandidate(s); err != nil {
				t.Errorf("%q: %v", s, err)
			}
			n++
		}
	})
	if n != 8 {
		t.Errorf("%d trickle candidates, want 8", n)
	}
}
