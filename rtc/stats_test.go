package rtc

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dtls "github.com/sansrtc/rtc/rtc-dtls"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// statsLinks checks that every id an object names exists with the right
// type, and that every object's key is its id.
func statsLinks(t *testing.T, name string, r StatsReport) {
	t.Helper()
	want := func(from, field, id string, typ ...StatsType) {
		t.Helper()
		e, ok := r[id]
		if !ok {
			t.Errorf("%s: %s.%s = %q: no such object", name, from, field, id)
			return
		}
		if !slices.Contains(typ, e.Header().Type) {
			t.Errorf("%s: %s.%s = %q is a %s, want %v", name, from, field, id, e.Header().Type, typ)
		}
	}
	for id, e := range r {
		if h := e.Header(); h.ID != id || h.Type == "" || h.Timestamp == 0 {
			t.Errorf("%s: key %q holds header %+v", name, id, h)
		}
		switch v := e.(type) {
		case StatsTransport:
			if v.SelectedCandidatePairID != "" {
				want(id, "selectedCandidatePairId", v.SelectedCandidatePairID, StatsTypeCandidatePair)
			}
			if v.LocalCertificateID != "" {
				want(id, "localCertificateId", v.LocalCertificateID, StatsTypeCertificate)
			}
			if v.RemoteCertificateID != "" {
				want(id, "remoteCertificateId", v.RemoteCertificateID, StatsTypeCertificate)
			}
		case StatsCandidatePair:
			want(id, "transportId", v.TransportID, StatsTypeTransport)
			want(id, "localCandidateId", v.LocalCandidateID, StatsTypeLocalCandidate)
			want(id, "remoteCandidateId", v.RemoteCandidateID, StatsTypeRemoteCandidate)
		case StatsCandidate:
			want(id, "transportId", v.TransportID, StatsTypeTransport)
		case StatsCertificate:
			if v.IssuerCertificateID != "" {
				want(id, "issuerCertificateId", v.IssuerCertificateID, StatsTypeCertificate)
			}
		case StatsCodec:
			want(id, "transportId", v.TransportID, StatsTypeTransport)
		case StatsInboundRTP:
			want(id, "transportId", v.TransportID, StatsTypeTransport)
			want(id, "codecId", v.CodecID, StatsTypeCodec)
			if v.RemoteID != "" {
				want(id, "remoteId", v.RemoteID, StatsTypeRemoteOutboundRTP)
			}
		case StatsOutboundRTP:
			want(id, "transportId", v.TransportID, StatsTypeTransport)
			want(id, "codecId", v.CodecID, StatsTypeCodec)
			if v.RemoteID != "" {
				want(id, "remoteId", v.RemoteID, StatsTypeRemoteInboundRTP)
			}
		case StatsRemoteInboundRTP:
			want(id, "codecId", v.CodecID, StatsTypeCodec)
			want(id, "localId", v.LocalID, StatsTypeOutboundRTP)
		case StatsRemoteOutboundRTP:
			want(id, "codecId", v.CodecID, StatsTypeCodec)
			want(id, "localId", v.LocalID, StatsTypeInboundRTP)
		}
	}
}

// statsTransportOf returns the one transport of a report.
func statsTransportOf(t *testing.T, r StatsReport) StatsTransport {
	t.Helper()
	ts := StatsOf[StatsTransport](r)
	if len(ts) != 1 {
		t.Fatalf("%d transports, want 1", len(ts))
	}
	return ts[0]
}

// TestGetStatsPair: a connected netsim pair's reports have every
// non-media type, with ids that point at objects of the right type, the
// certificates each end sees of the other, and counters that move with
// traffic.
func TestGetStatsPair(t *testing.T) {
	sim, a, b, dcs := connectedPair(t, 3, 2, Configuration{}, Configuration{})
	bOpen := func() bool {
		n := 0
		for _, c := range b.pc.DataChannels() {
			if c.State() == DataChannelOpen {
				n++
			}
		}
		return n == 2
	}
	if err := sim.Run(bOpen, 20000); err != nil {
		t.Fatalf("b's channels: %v", err)
	}
	ra, rb := a.pc.GetStats(sim.Now()), b.pc.GetStats(sim.Now())
	for _, tc := range []struct {
		name string
		r    StatsReport
	}{{"a", ra}, {"b", rb}} {
		statsLinks(t, tc.name, tc.r)
		for _, typ := range []StatsType{StatsTypePeerConnection, StatsTypeTransport, StatsTypeCandidatePair,
			StatsTypeLocalCandidate, StatsTypeRemoteCandidate, StatsTypeCertificate, StatsTypeDataChannel} {
			if len(tc.r.IDs(typ)) == 0 {
				t.Errorf("%s: no %s", tc.name, typ)
			}
		}
		tr := statsTransportOf(t, tc.r)
		if tr.SelectedCandidatePairID == "" || tr.LocalCertificateID == "" || tr.RemoteCertificateID == "" {
			t.Errorf("%s: transport %+v", tc.name, tr)
		}
		if tr.DTLSState != "connected" || (tr.ICEState != "connected" && tr.ICEState != "completed") ||
			tr.TLSVersion != "FEFC" || tr.DTLSCipher == "" || tr.ICELocalUsernameFragment == "" {
			t.Errorf("%s: transport %+v", tc.name, tr)
		}
		cp := tc.r[tr.SelectedCandidatePairID].(StatsCandidatePair)
		if cp.State != "succeeded" || cp.PacketsSent == 0 || cp.PacketsReceived == 0 {
			t.Errorf("%s: selected pair %+v", tc.name, cp)
		}
		if pcs := StatsOf[StatsPeerConnection](tc.r); len(pcs) != 1 || pcs[0].DataChannelsOpened != 2 || pcs[0].DataChannelsClosed != 0 {
			t.Errorf("%s: peer-connection %+v", tc.name, pcs)
		}
		if tc.r[tr.SelectedCandidatePairID].Header().Timestamp != float64(sim.Now().UnixNano())/1e6 {
			t.Errorf("%s: timestamp %v, now %v", tc.name, tc.r[tr.SelectedCandidatePairID].Header().Timestamp, sim.Now())
		}
	}
	ta, tb := statsTransportOf(t, ra), statsTransportOf(t, rb)
	if (ta.DTLSRole == "client") == (tb.DTLSRole == "client") || ta.DTLSRole == "unknown" || tb.DTLSRole == "unknown" {
		t.Errorf("dtls roles %q and %q", ta.DTLSRole, tb.DTLSRole)
	}
	if (ta.ICERole == "controlling") == (tb.ICERole == "controlling") {
		t.Errorf("ice roles %q and %q", ta.ICERole, tb.ICERole)
	}
	// Each end's remote certificate is the other's local one, byte for byte.
	for _, pair := range [][2]StatsReport{{ra, rb}, {rb, ra}} {
		local := pair[0][statsTransportOf(t, pair[0]).LocalCertificateID].(StatsCertificate)
		remote := pair[1][statsTransportOf(t, pair[1]).RemoteCertificateID].(StatsCertificate)
		if local.Fingerprint != remote.Fingerprint || local.Base64Certificate != remote.Base64Certificate || local.ID != remote.ID {
			t.Errorf("local certificate %+v, seen by the peer as %+v", local, remote)
		}
		der, err := base64.StdEncoding.DecodeString(local.Base64Certificate)
		if err != nil {
			t.Fatal(err)
		}
		fp, err := dtls.ComputeFingerprint(local.FingerprintAlgorithm, der)
		if err != nil {
			t.Fatal(err)
		}
		if fp.String() != local.FingerprintAlgorithm+" "+local.Fingerprint {
			t.Errorf("fingerprint %q of %q, the DER hashes to %q", local.Fingerprint, local.FingerprintAlgorithm, fp)
		}
	}
	if fp := statsTransportOf(t, ra).LocalCertificateID; "sha-256 "+strings.TrimPrefix(fp, "CF") != a.pc.Fingerprint() {
		t.Errorf("local certificate id %q, a=fingerprint %q", fp, a.pc.Fingerprint())
	}
	// The selected pair's candidates are the pair's addresses.
	cpa := ra[ta.SelectedCandidatePairID].(StatsCandidatePair)
	if l, rm := ra[cpa.LocalCandidateID].(StatsCandidate), ra[cpa.RemoteCandidateID].(StatsCandidate); l.Address != addrA.Addr().String() ||
		l.Port != addrA.Port() || rm.Address != addrB.Addr().String() || rm.Port != addrB.Port() || l.Protocol != "udp" {
		t.Errorf("selected pair candidates %+v and %+v", l, rm)
	}

	// Traffic: 10 messages of 100 bytes from a on channel 0.
	msg := bytes.Repeat([]byte{7}, 100)
	for range 10 {
		if err := dcs[0].Send(msg); err != nil {
			t.Fatal(err)
		}
	}
	bdc := b.channel(dcs[0].Label())
	if bdc == nil {
		t.Fatal("b has no channel ch0")
	}
	if err := sim.Run(func() bool { return bdc.Stats().MessagesReceived == 10 }, 20000); err != nil {
		t.Fatal(err)
	}
	ra2, rb2 := a.pc.GetStats(sim.Now()), b.pc.GetStats(sim.Now())
	id, _ := dcs[0].ID()
	did := "D" + strconv.Itoa(int(id))
	da, db := ra2[did].(StatsDataChannel), rb2[did].(StatsDataChannel)
	if da.MessagesSent-ra[did].(StatsDataChannel).MessagesSent != 10 || da.BytesSent != 1000 ||
		db.MessagesReceived != 10 || db.BytesReceived != 1000 || da.Label != "ch0" || da.State != "open" ||
		da.DataChannelIdentifier == nil || *da.DataChannelIdentifier != id {
		t.Errorf("data channel a %+v, b %+v", da, db)
	}
	ta2 := statsTransportOf(t, ra2)
	if ta2.BytesSent < ta.BytesSent+1000 || ta2.PacketsSent <= ta.PacketsSent || ta2.PacketsReceived <= ta.PacketsReceived {
		t.Errorf("transport counters did not move: before %+v after %+v", ta, ta2)
	}
	if cp2 := ra2[ta2.SelectedCandidatePairID].(StatsCandidatePair); cp2.PacketsSent <= cpa.PacketsSent || cp2.PacketsReceived <= cpa.PacketsReceived {
		t.Errorf("pair counters did not move: before %+v after %+v", cpa, cp2)
	}
	// Ids are stable: the same objects, the same ids.
	for _, typ := range []StatsType{StatsTypeTransport, StatsTypeCandidatePair, StatsTypeCertificate, StatsTypeDataChannel} {
		if !slices.Equal(ra.IDs(typ), ra2.IDs(typ)) {
			t.Errorf("%s ids changed: %v then %v", typ, ra.IDs(typ), ra2.IDs(typ))
		}
	}

	// Closing a channel: it leaves the report, and both ends count it closed.
	if err := dcs[0].Close(); err != nil {
		t.Fatal(err)
	}
	if err := sim.Run(func() bool { return dcs[0].State() == DataChannelClosed && bdc.State() == DataChannelClosed }, 20000); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*peer{a, b} {
		r := p.pc.GetStats(sim.Now())
		if pcs := StatsOf[StatsPeerConnection](r); pcs[0].DataChannelsOpened != 2 || pcs[0].DataChannelsClosed != 1 {
			t.Errorf("%s after close: %+v", p.name, pcs[0])
		}
		if _, ok := r[did]; ok {
			t.Errorf("%s: closed channel %s still reported", p.name, did)
		}
	}
	if len(a.errs)+len(b.errs) > 0 {
		t.Errorf("errors: a=%v b=%v", a.errs, b.errs)
	}
}

// TestGetStatsFresh: before any negotiation the report has the
// peer-connection, the transport (new, no pair) and the local certificate;
// a channel without a stream id has a stable pending id.
func TestGetStatsFresh(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	pc, err := NewPeerConnection(Configuration{Now: now, Rand: netsim.NewRand(1, "fresh")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.CreateDataChannel("x", DataChannelInit{Protocol: "p"}); err != nil {
		t.Fatal(err)
	}
	r := pc.GetStats(now)
	statsLinks(t, "fresh", r)
	tr := statsTransportOf(t, r)
	if tr.DTLSState != "new" || tr.ICEState != "new" || tr.ICERole != "unknown" || tr.DTLSRole != "unknown" ||
		tr.SelectedCandidatePairID != "" || tr.RemoteCertificateID != "" || tr.LocalCertificateID == "" {
		t.Errorf("transport %+v", tr)
	}
	d, ok := r["Dpending0"].(StatsDataChannel)
	if !ok || d.Label != "x" || d.Protocol != "p" || d.State != "connecting" || d.DataChannelIdentifier != nil {
		t.Errorf("data channel %+v (%v)", d, ok)
	}
	if got := r["P"].Header().Timestamp; math.Abs(got-1767323045000.006) > 1e-3 {
		t.Errorf("timestamp %v ms", got)
	}
	if err := pc.Close(); err != nil {
		t.Fatal(err)
	}
	if tr := statsTransportOf(t, pc.GetStats(now)); tr.DTLSState != "closed" || tr.ICEState != "closed" {
		t.Errorf("after Close: %+v", tr)
	}
}

// TestStatsJSON: a report marshals to the shape browser tools read (an
// object from id to object, each with id, type and a timestamp in ms) and
// reads back equal.
func TestStatsJSON(t *testing.T) {
	sim, a, _, _ := connectedPair(t, 4, 1, Configuration{}, Configuration{})
	r := a.pc.GetStats(sim.Now())
	r.addStreamsForTest(t)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]map[string]any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	if len(generic) != len(r) {
		t.Fatalf("%d objects in JSON, %d in the report", len(generic), len(r))
	}
	for id, obj := range generic {
		if obj["id"] != id || obj["type"] != string(r[id].Header().Type) {
			t.Errorf("%q: %v", id, obj)
		}
		if ts, ok := obj["timestamp"].(float64); !ok || ts != float64(sim.Now().UnixNano())/1e6 {
			t.Errorf("%q: timestamp %v", id, obj["timestamp"])
		}
		for k := range obj {
			if k == "" || k[0] < 'a' || k[0] > 'z' || strings.ContainsAny(k, "_-") {
				t.Errorf("%q: member %q is not camelCase", id, k)
			}
		}
	}
	var back StatsReport
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(r, back); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	b2, err := json.Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Errorf("marshal after round trip differs")
	}
}

// TestStatsJSONForeign: a browser's report reads, with the types this
// package does not report kept as they were.
func TestStatsJSONForeign(t *testing.T) {
	in := `{"RTCMediaSource_1":{"id":"RTCMediaSource_1","timestamp":1.5,"type":"media-source","kind":"audio","audioLevel":0.25},` +
		`"P":{"id":"P","timestamp":1.5,"type":"peer-connection","dataChannelsOpened":3,"dataChannelsClosed":1,"extra":"ignored"}}`
	var r StatsReport
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	if p, ok := r["P"].(StatsPeerConnection); !ok || p.DataChannelsOpened != 3 || p.DataChannelsClosed != 1 {
		t.Errorf("peer-connection %+v", r["P"])
	}
	o, ok := r["RTCMediaSource_1"].(StatsOther)
	if !ok || o.Type != "media-source" {
		t.Fatalf("media-source %+v", r["RTCMediaSource_1"])
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"audioLevel":0.25`) {
		t.Errorf("foreign object not kept: %s", b)
	}
	for _, bad := range []string{
		`[]`, `"x"`, `{"a":{"id":"b","type":"transport","timestamp":1}}`, `{"a":{"id":"a","timestamp":1}}`,
		`{"a":{"id":"a","type":"transport","bytesSent":"many"}}`, `{"a":3}`, `{`,
	} {
		var r StatsReport
		if err := json.Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("%s: no error, %v", bad, r)
		}
	}
	big := make([]byte, MaxStatsJSON+1)
	if err := r.UnmarshalJSON(big); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("%d bytes: %v", len(big), err)
	}
}

// TestStatsShapeGolden: the members each type carries in a connected
// pair's report (and in a media report from the interceptor chains),
// against testdata/golden/stats-shape.json. SANSRTC_UPDATE_GOLDEN=1
// rewrites it.
func TestStatsShapeGolden(t *testing.T) {
	sim, a, b, audio, video := mediaPair(t, 5, netsim.LinkConfig{Delay: 10 * time.Millisecond}, Configuration{})
	for i := range 100 {
		if err := audio.WriteSample(Sample{Data: []byte{byte(i)}, Duration: 20 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		if err := video.WriteSample(Sample{Data: vp8Frame(100, byte(i)), Duration: 20 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		if err := sim.RunFor(20*time.Millisecond, 100000); err != nil {
			t.Fatal(err)
		}
	}
	// Both ends' reports, and the chain streams with a jitter buffer.
	r := a.pc.GetStats(sim.Now())
	for id, e := range b.pc.GetStats(sim.Now()) {
		r["b"+id] = e
	}
	r.addStreamsForTest(t)
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	shape := map[string][]string{}
	for _, obj := range generic {
		typ := obj["type"].(string)
		for k := range obj {
			if !slices.Contains(shape[typ], k) {
				shape[typ] = append(shape[typ], k)
			}
		}
	}
	for _, v := range shape {
		slices.Sort(v)
	}
	got, err := json.MarshalIndent(shape, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", "stats-shape.json")
	if os.Getenv("SANSRTC_UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("stats shape (-golden +got):\n%s", d)
	}
}

func BenchmarkGetStats(b *testing.B) {
	sim, a, _, _ := connectedPair(b, 6, 4, Configuration{}, Configuration{})
	now := sim.Now()
	b.ReportAllocs()
	for b.Loop() {
		if r := a.pc.GetStats(now); len(r) < 8 {
			b.Fatalf("%d objects", len(r))
		}
	}
}

func TestStatsSummary(t *testing.T) {
	sim, a, _, _ := connectedPair(t, 8, 1, Configuration{}, Configuration{})
	s := a.pc.GetStats(sim.Now()).Summary()
	for _, want := range []string{"ice connected", "dtls connected (", "pair host 192.0.2.1:5000 <-> host 198.51.100.1:6000", "1 data channels", "0 inbound"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary %q lacks %q", s, want)
		}
	}
}

// TestStatsNamesMatchChromium: every member this package reports, for
// every type, is spelled as Chromium spells it: testdata/chromium-getstats.json
// is both ends' getStats of two in-page RTCPeerConnections in headless
// Chromium 14x (fake camera and microphone, a data channel, 127.0.0.1
// only), captured with testdata/chromium-getstats.html and the flags of
// BROWSERS.md. Members Chromium did not report in that session but that
// webrtc-stats defines are listed.
func TestStatsNamesMatchChromium(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "chromium-getstats.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The report reads as a StatsReport, its links hold.
	var ends map[string]StatsReport
	if err := json.Unmarshal(b, &ends); err != nil {
		t.Fatal(err)
	}
	for _, r := range ends {
		statsLinks(t, "chromium", r)
	}
	// The members, as Chromium wrote them.
	var generic map[string]map[string]map[string]any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	chromium := map[StatsType]map[string]bool{}
	for _, r := range generic {
		for _, obj := range r {
			typ := StatsType(obj["type"].(string))
			if chromium[typ] == nil {
				chromium[typ] = map[string]bool{}
			}
			for k := range obj {
				chromium[typ][k] = true
			}
		}
	}
	// webrtc-stats members Chromium leaves out of a session like that one.
	spec := map[StatsType][]string{
		StatsTypeOutboundRTP:     {"rid"}, // simulcast only
		StatsTypeLocalCandidate:  {"relatedAddress", "relatedPort", "tcpType", "relayProtocol"},
		StatsTypeRemoteCandidate: {"relatedAddress", "relatedPort", "tcpType"},
		StatsTypeCertificate:     {"issuerCertificateId"},
	}
	var shape map[StatsType][]string
	golden, err := os.ReadFile(filepath.Join("testdata", "golden", "stats-shape.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(golden, &shape); err != nil {
		t.Fatal(err)
	}
	for typ, members := range shape {
		if chromium[typ] == nil {
			t.Errorf("Chromium reported no %s", typ)
			continue
		}
		for _, m := range members {
			if !chromium[typ][m] && !slices.Contains(spec[typ], m) {
				t.Errorf("%s.%s: Chromium has no such member", typ, m)
			}
		}
	}
	// Chromium's transport agrees with this package on the values' forms.
	for _, r := range ends {
		tr := StatsOf[StatsTransport](r)[0]
		if tr.TLSVersion != "FEFC" && tr.TLSVersion != "FEFD" || !strings.HasPrefix(tr.SRTPCipher, "SRTP_") || !strings.HasPrefix(tr.DTLSCipher, "TLS_") {
			t.Errorf("Chromium's transport %+v", tr)
		}
	}
}

// TestGetStatsReadOnly: GetStats changes nothing: the deadline, its
// reason, the queues and the parts' cached timers are as they were.
func TestGetStatsReadOnly(t *testing.T) {
	sim, a, _, _ := connectedPair(t, 9, 1, Configuration{}, Configuration{})
	pc := a.pc
	d0, ok0 := pc.PollTimeout()
	reason0, timers0 := pc.TimeoutReason(), [3]partTimer{pc.tr.iceTimer, pc.tr.dtlsTimer, pc.data.timer}
	events0, reads0, outbox0, stats0 := pc.out.events.Len(), pc.out.reads.Len(), pc.tr.outbox.Len(), pc.Stats()
	for range 3 {
		if len(pc.GetStats(sim.Now())) == 0 {
			t.Fatal("empty report")
		}
	}
	if d, ok := pc.PollTimeout(); !d.Equal(d0) || ok != ok0 || pc.TimeoutReason() != reason0 {
		t.Errorf("PollTimeout %v %v (%s), was %v %v (%s)", d, ok, pc.TimeoutReason(), d0, ok0, reason0)
	}
	if timers := [3]partTimer{pc.tr.iceTimer, pc.tr.dtlsTimer, pc.data.timer}; timers != timers0 {
		t.Errorf("part timers %+v, were %+v", timers, timers0)
	}
	if pc.out.events.Len() != events0 || pc.out.reads.Len() != reads0 || pc.tr.outbox.Len() != outbox0 || pc.Stats() != stats0 {
		t.Errorf("queues or counters changed")
	}
}

// TestGetStatsManyChannels: a report holds one object per channel up to
// MaxDataChannels (1024), and nothing else grows with them.
func TestGetStatsManyChannels(t *testing.T) {
	pc, err := NewPeerConnection(Configuration{Rand: netsim.NewRand(1, "many")})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1024 {
		if _, err := pc.CreateDataChannel(strconv.Itoa(i), DataChannelInit{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pc.CreateDataChannel("one too many", DataChannelInit{}); err == nil {
		t.Fatal("channel 1025 created")
	}
	r := pc.GetStats(time.Unix(1, 0))
	if n := len(r.IDs(StatsTypeDataChannel)); n != 1024 || len(r) > 1024+4 {
		t.Errorf("%d channels, %d objects", n, len(r))
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back StatsReport
	if err := json.Unmarshal(b, &back); err != nil || len(back) != len(r) {
		t.Errorf("round trip of %d bytes: %d objects, %v", len(b), len(back), err)
	}
}
