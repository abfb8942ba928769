package rtc

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// newSimPeer is newPeer without adding the peer to the simulation.
func newSimPeer(t testing.TB, sim *netsim.Sim, seed uint64, name string, cfg Configuration) *peer {
	t.Helper()
	cfg.Rand, cfg.Now = netsim.NewRand(seed, name), sim.Now()
	pc, err := NewPeerConnection(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return wrapPeer(t, name, pc)
}

// firefoxOfferer drops every DTLS datagram until its own ICE agent has
// nominated the selected pair, as Firefox does as the controlling offerer:
// our ClientHello, sent as soon as our check succeeded, is lost.
type firefoxOfferer struct {
	*peer
	dropped int
}

func (f *firefoxOfferer) HandleRead(m shared.TaggedBytes) error {
	if stun.Classify(m.Message) == stun.KindDTLS {
		if sel, ok := f.pc.tr.ice.SelectedPair(); !ok || !sel.Nominated {
			f.dropped++
			return nil
		}
	}
	return f.peer.HandleRead(m)
}

// TestDTLSStartsOnNomination is the Firefox-offerer case of issue 16: we
// answer, are the DTLS client, and our first ClientHello is dropped
// because the offerer had not nominated yet. The nomination (or the
// peer's first check after the ClientHello) resends it at once, and the
// retransmission timer starts at 2×RTT (libwebrtc), so DTLS connects
// within a few RTTs instead of after the 1 s RFC 6347 timer. Before the
// fix it connected 1.2 s after the start.
func TestDTLSStartsOnNomination(t *testing.T) {
	for _, delay := range []time.Duration{10 * time.Millisecond, 50 * time.Millisecond} {
		sim := netsim.New(netsim.Config{Seed: 3})
		sim.SetDefaultLink(netsim.LinkConfig{Delay: delay})
		a := &firefoxOfferer{peer: newSimPeer(t, sim, 3, "a", Configuration{LocalAddresses: []netip.AddrPort{addrA}})}
		sim.Add(a, addrA)
		b := newPeer(t, sim, 3, "b", addrB)
		if _, err := a.pc.CreateDataChannel("x", DataChannelInit{}); err != nil {
			t.Fatal(err)
		}
		negotiate(t, a.peer, b, nil)
		if !b.pc.tr.client {
			t.Fatal("the answerer is not the DTLS client")
		}
		err := sim.Run(func() bool {
			return a.pc.DTLSState() == DTLSTransportConnected && b.pc.DTLSState() == DTLSTransportConnected
		}, 20000)
		if err != nil {
			t.Fatalf("delay %v: %v", delay, err)
		}
		rtt := 2 * delay
		if a.dropped == 0 || b.pc.tr.kicks == 0 {
			t.Errorf("delay %v: dropped %d, resent %d: the scenario did not happen", delay, a.dropped, b.pc.tr.kicks)
		}
		// ICE (a few RTTs and Ta pacing) plus the handshake (2 RTTs).
		el := sim.Elapsed()
		t.Logf("delay %v: DTLS connected after %v", delay, el)
		if el > 300*time.Millisecond+8*rtt {
			t.Errorf("delay %v: DTLS connected after %v", delay, el)
		}
		if len(a.errs)+len(b.errs) > 0 {
			t.Errorf("errors a=%v b=%v", a.errs, b.errs)
		}
	}
}

// TestDTLSRetransmitInitial is libwebrtc's choice: 2×RTT clamped to
// 50 ms..3 s, the DTLS default without an estimate.
func TestDTLSRetransmitInitial(t *testing.T) {
	for rtt, want := range map[time.Duration]time.Duration{
		0: 0, time.Millisecond: 50 * time.Millisecond, 100 * time.Millisecond: 200 * time.Millisecond,
		2 * time.Second: 3 * time.Second,
	} {
		if got := dtlsRetransmitInitial(rtt); got != want {
			t.Errorf("rtt %v: %v, want %v", rtt, got, want)
		}
	}
}

const mdnsName = "6c1c5c5e-2f0a-4d6e-9a6b-3b9b1f9c2a11.local"

// offerLikeFirefox rewrites a's offer the way stock Firefox writes it:
// its only host candidate hidden behind an mDNS name, and
// a=end-of-candidates.
func offerLikeFirefox(t *testing.T, a *peer) SessionDescription {
	t.Helper()
	offer, err := a.pc.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	a.Drain()
	d := a.pc.LocalDescription()
	host := " " + addrA.Addr().String() + " " + "5000 typ host"
	if !strings.Contains(d.SDP, host) {
		t.Fatalf("no host candidate in\n%s", d.SDP)
	}
	d.SDP = strings.ReplaceAll(d.SDP, host, " "+mdnsName+" 5000 typ host")
	if !strings.Contains(d.SDP, "a=end-of-candidates") {
		t.Fatalf("no end-of-candidates in\n%s", d.SDP)
	}
	return d
}

// TestMDNSOffer: stock Firefox's offer (only .local host candidates and
// end-of-candidates) connects, whether the caller answers
// EventResolveHostname or not (then through the peer-reflexive candidate
// the offerer's checks create; ICE waits for them instead of failing).
func TestMDNSOffer(t *testing.T) {
	for _, answer := range []bool{true, false} {
		sim := netsim.New(netsim.Config{Seed: 4})
		sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
		a := newPeer(t, sim, 4, "a", addrA)
		b := newPeer(t, sim, 4, "b", addrB)
		var asked []string
		var resolveErr error
		b.OnEvent = func(e Event) {
			if e.Kind != EventResolveHostname {
				return
			}
			asked = append(asked, e.Hostname)
			if answer {
				resolveErr = b.pc.HandleEvent(Command{Kind: CmdResolveHostname, Hostname: e.Hostname, Addrs: []netip.Addr{addrA.Addr()}})
			}
		}
		dc, err := a.pc.CreateDataChannel("x", DataChannelInit{})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.pc.SetRemoteDescription(offerLikeFirefox(t, a)); err != nil {
			t.Fatal(err)
		}
		ans, err := b.pc.CreateAnswer()
		if err != nil {
			t.Fatal(err)
		}
		if err := b.pc.SetLocalDescription(ans); err != nil {
			t.Fatal(err)
		}
		b.Drain()
		if err := a.pc.SetRemoteDescription(b.pc.LocalDescription()); err != nil {
			t.Fatal(err)
		}
		a.Drain()
		if len(asked) != 1 || asked[0] != mdnsName || resolveErr != nil {
			t.Fatalf("answer %v: asked %v, %v", answer, asked, resolveErr)
		}
		if err := sim.Run(func() bool { return dc.State() == DataChannelOpen && b.channel("x") != nil }, 20000); err != nil {
			t.Fatalf("answer %v: %v (b ICE %v)", answer, err, b.pc.ICEConnectionState())
		}
		if got := b.pc.UnresolvedHostnames(); len(got) != 1 || got[0] != mdnsName {
			t.Errorf("unresolved %v", got)
		}
		if len(a.errs)+len(b.errs) > 0 {
			t.Errorf("answer %v: errors a=%v b=%v", answer, a.errs, b.errs)
		}
	}
}

// TestICETCPPair connects two PeerConnections over ICE-TCP only (RFC
// 6544): passive host candidates, an active side that dials on
// EventTCPConnect, RFC 4571 framing, DTLS and SCTP over the stream, and
// TCP datagrams out of PollWrite.
func TestICETCPPair(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 5})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
	tcpA, tcpB := netip.MustParseAddrPort("192.0.2.1:443"), netip.MustParseAddrPort("198.51.100.1:443")
	ephA, ephB := netip.MustParseAddrPort("192.0.2.1:40000"), netip.MustParseAddrPort("198.51.100.1:40000")
	a := newSimPeer(t, sim, 5, "a", Configuration{})
	b := newSimPeer(t, sim, 5, "b", Configuration{})
	sim.Add(a, tcpA, ephA)
	sim.Add(b, tcpB, ephB)
	var tcpOut int
	for _, p := range []struct {
		p   *peer
		eph netip.AddrPort
	}{{a, ephA}, {b, ephB}} {
		p := p
		if err := p.p.pc.HandleEvent(Command{Kind: CmdAddLocalTCPAddress, Address: p.p.pc.tr.selected.Local}); err == nil {
			t.Fatal("an invalid TCP address was accepted")
		}
		p.p.OnEvent = func(e Event) {
			switch e.Kind {
			case EventTCPConnect:
				if e.Transport.Local.Addr() != p.eph.Addr() {
					t.Errorf("%s: dial from %v", p.p.name, e.Transport.Local)
				}
				if err := p.p.pc.HandleEvent(Command{Kind: CmdTCPConnected, Transport: shared.TransportContext{Local: p.eph, Peer: e.Transport.Peer}}); err != nil {
					t.Errorf("%s: TCPConnected: %v", p.p.name, err)
				}
			case EventError:
				p.p.errs = append(p.p.errs, e.Err)
			}
		}
	}
	if err := a.pc.AddLocalTCPAddress(tcpA); err != nil {
		t.Fatal(err)
	}
	if err := b.pc.AddLocalTCPAddress(tcpB); err != nil {
		t.Fatal(err)
	}
	dc, err := a.pc.CreateDataChannel("tcp", DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	b.echo = true
	negotiate(t, a, b, nil)
	if !strings.Contains(a.pc.LocalDescription().SDP, "tcptype passive") {
		t.Fatalf("no passive TCP candidate:\n%s", a.pc.LocalDescription().SDP)
	}
	if err := sim.Run(func() bool { return dc.State() == DataChannelOpen }, 20000); err != nil {
		t.Fatalf("%v (a ICE %v DTLS %v, b ICE %v DTLS %v) errs a=%v b=%v", err, a.pc.ICEConnectionState(), a.pc.DTLSState(),
			b.pc.ICEConnectionState(), b.pc.DTLSState(), a.errs, b.errs)
	}
	if a.pc.tr.selected.Protocol != shared.TCP || b.pc.tr.selected.Protocol != shared.TCP {
		t.Fatalf("selected %v / %v", a.pc.tr.selected, b.pc.tr.selected)
	}
	if err := dc.SendText("over tcp"); err != nil {
		t.Fatal(err)
	}
	n := len(a.Reads)
	if err := sim.Run(func() bool { return len(a.Reads) > n }, 5000); err != nil {
		t.Fatal(err)
	}
	if got := string(a.Reads[n].Data); got != "over tcp" {
		t.Errorf("echo %q", got)
	}
	if st, ok := sim.EndpointStats(a); ok {
		tcpOut = int(st.Sent)
	}
	if tcpOut == 0 {
		t.Errorf("no datagrams sent")
	}
	if len(a.errs)+len(b.errs) > 0 {
		t.Errorf("errors a=%v b=%v", a.errs, b.errs)
	}
}

// TestResolveICEServer: a DNS name in an ICE server URL is asked with
// EventResolveICEServer, gathering waits for the answer, and the answer's
// addresses are used; a failed answer (no addresses) lets gathering
// complete; an unasked name is refused.
func TestResolveICEServer(t *testing.T) {
	stunAddr := netip.MustParseAddr("203.0.113.5")
	for _, ok := range []bool{true, false} {
		sim := netsim.New(netsim.Config{Seed: 6})
		a := newSimPeer(t, sim, 6, "a", Configuration{LocalAddresses: []netip.AddrPort{addrA},
			ICEServers: []ICEServer{{URLs: []string{"stun:STUN.example.org:3479"}}}})
		a.Drain()
		var asked []string
		for _, e := range a.Events {
			if e.Kind == EventResolveICEServer {
				asked = append(asked, e.Hostname)
			}
		}
		if len(asked) != 1 || asked[0] != "stun.example.org" {
			t.Fatalf("asked %v", asked)
		}
		offer, err := a.pc.CreateOffer()
		if err != nil {
			t.Fatal(err)
		}
		if err := a.pc.SetLocalDescription(offer); err != nil {
			t.Fatal(err)
		}
		a.Drain()
		if g := a.pc.ICEGatheringState(); g != ICEGatheringGathering {
			t.Fatalf("gathering %v before the name was answered", g)
		}
		if err := a.pc.ResolveICEServer("nobody.example.org", nil); !errors.Is(err, ErrInvalidState) {
			t.Errorf("unasked name: %v", err)
		}
		var addrs []netip.Addr
		if ok {
			addrs = []netip.Addr{stunAddr}
		}
		if err := a.pc.HandleEvent(Command{Kind: CmdResolveICEServer, Hostname: "stun.example.org.", Addrs: addrs}); err != nil {
			t.Fatal(err)
		}
		sent := 0
		for {
			dg, more := a.pc.PollWrite()
			if !more {
				break
			}
			if dg.Transport.Peer == netip.AddrPortFrom(stunAddr, 3479) && dg.Transport.Local == addrA {
				sent++
			}
		}
		a.Drain()
		if ok && sent != 1 {
			t.Errorf("binding requests to the resolved server: %d", sent)
		}
		if g := a.pc.ICEGatheringState(); !ok && g != ICEGatheringComplete {
			t.Errorf("gathering %v after a failed resolution", g)
		}
		if err := a.pc.ResolveICEServer("stun.example.org", addrs); !errors.Is(err, ErrInvalidState) {
			t.Errorf("second answer: %v", err)
		}
	}
}

// TestTURNTransport: turns: servers are reached over TCP with TLS, and
// the caller looks the server up by the datagram's Transport.Peer.
func TestTURNTransport(t *testing.T) {
	pc, err := NewPeerConnection(Configuration{ICEServers: []ICEServer{{
		URLs: []string{"turns:192.0.2.9?transport=tcp", "turn:192.0.2.9:3478?transport=tcp", "turn:[2001:db8::9]"}, Username: "u", Credential: "p"}}})
	if err != nil {
		t.Fatal(err)
	}
	tt, ok := pc.TURNTransport(netip.MustParseAddrPort("192.0.2.9:5349"))
	if !ok || !tt.TLS || tt.Protocol != shared.TCP || tt.ServerName != "192.0.2.9" {
		t.Errorf("turns: %+v %v", tt, ok)
	}
	tt, ok = pc.TURNTransport(netip.MustParseAddrPort("192.0.2.9:3478"))
	if !ok || tt.TLS || tt.Protocol != shared.TCP {
		t.Errorf("turn tcp: %+v %v", tt, ok)
	}
	tt, ok = pc.TURNTransport(netip.MustParseAddrPort("[2001:db8::9]:3478"))
	if !ok || tt.TLS || tt.Protocol != shared.UDP {
		t.Errorf("turn udp: %+v %v", tt, ok)
	}
	if _, ok := pc.TURNTransport(netip.MustParseAddrPort("192.0.2.10:3478")); ok {
		t.Error("unknown server found")
	}
	if n := len(pc.TURNTransports()); n != 3 {
		t.Errorf("%d transports", n)
	}
}

// TestConfigurationValidate follows the rtc-shared config rule: zero is
// the default, anything outside a field's range fails NewPeerConnection
// with an error naming the field and wrapping shared.ErrInvalidConfig.
func TestConfigurationValidate(t *testing.T) {
	if err := (&Configuration{}).Validate(); err != nil {
		t.Fatalf("zero value: %v", err)
	}
	ok := Configuration{MaxDataChannels: 65534, MaxMessageSize: minMaxMessageSize, ICETransportPolicy: ICETransportPolicyRelay, BundlePolicy: BundlePolicyMaxCompat}
	if err := ok.Validate(); err != nil {
		t.Errorf("in range: %v", err)
	}
	for name, cfg := range map[string]Configuration{
		"MaxDataChannels":     {MaxDataChannels: 65535},
		"MaxMessageSize":      {MaxMessageSize: minMaxMessageSize - 1},
		"MaxQueuedEvents":     {MaxQueuedEvents: -5},
		"MaxQueuedMessages":   {MaxQueuedMessages: -1},
		"MaxQueuedDatagrams":  {MaxQueuedDatagrams: -1},
		"MaxSDPSize":          {MaxSDPSize: -1},
		"MaxRemoteCandidates": {MaxRemoteCandidates: -1},
		"MaxBufferedAmount":   {MaxBufferedAmount: -1},
		"MaxRemoteSSRCs":      {MaxRemoteSSRCs: -1},
		"ICETransportPolicy":  {ICETransportPolicy: 7},
		"BundlePolicy":        {BundlePolicy: 9},
		"RTCPMuxPolicy":       {RTCPMuxPolicy: 1},
	} {
		_, err := NewPeerConnection(cfg)
		if !errors.Is(err, shared.ErrInvalidConfig) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestSCTPMTU: a DTLS payload below 256 bytes is a clear error, not an
// SCTP config failure at every step.
func TestSCTPMTU(t *testing.T) {
	if m, err := sctpMTU(1151); err != nil || m != 1151 {
		t.Errorf("1151: %d %v", m, err)
	}
	if _, err := sctpMTU(255); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "255") {
		t.Errorf("255: %v", err)
	}
}

// FuzzICEServerURL: any URL is parsed or refused with an error, never a
// panic, and an accepted one has a host and a port.
func FuzzICEServerURL(f *testing.F) {
	for _, s := range []string{"stun:127.0.0.1", "turn:[::1]:3478?transport=tcp", "turns:turn.example.org",
		"turn:h:0", "stuns:x", "turn:a?transport=", "turn:[::1", "turn:%zz?x=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := parseICEServerURL(raw, ICEServer{Username: "u", Credential: "p"})
		if err != nil {
			return
		}
		if u.host == "" || u.port == 0 || u.tls && u.proto != shared.TCP {
			t.Fatalf("%q: %+v", raw, u)
		}
		if ip, err := netip.ParseAddr(u.host); err == nil {
			u.servers(ip)
		}
	})
}

// tcpOnlyPeers makes two PeerConnections with only ICE-TCP candidates on
// sim; each dials from its ephemeral address on EventTCPConnect.
func tcpOnlyPeers(t *testing.T, sim *netsim.Sim, seed uint64) (*peer, *peer) {
	t.Helper()
	var ps []*peer
	for _, h := range []struct {
		name     string
		lst, eph netip.AddrPort
	}{{"a", netip.MustParseAddrPort("192.0.2.1:443"), netip.MustParseAddrPort("192.0.2.1:40000")},
		{"b", netip.MustParseAddrPort("198.51.100.1:443"), netip.MustParseAddrPort("198.51.100.1:40000")}} {
		p := newSimPeer(t, sim, seed, h.name, Configuration{})
		sim.Add(p, h.lst, h.eph)
		eph := h.eph
		p.OnEvent = func(e Event) {
			switch e.Kind {
			case EventTCPConnect:
				if err := p.pc.TCPConnected(eph, e.Transport.Peer); err != nil {
					t.Errorf("%s: TCPConnected: %v", p.name, err)
				}
			case EventError:
				p.errs = append(p.errs, e.Err)
			}
		}
		if err := p.pc.AddLocalTCPAddress(h.lst); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps[0], ps[1]
}

// TestICETCPMedia: SRTP over an ICE-TCP pair comes through the agent's
// RFC 4571 framing both ways (it was dropped before: only DTLS was taken
// from the agent).
func TestICETCPMedia(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 8})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
	a, b := tcpOnlyPeers(t, sim, 8)
	audio, err := a.pc.AddTrack(opusTrack)
	if err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, nil)
	keyed := func() bool { return a.pc.media.out != nil && b.pc.media.in != nil }
	if err := sim.Run(keyed, 100000); err != nil {
		t.Fatalf("not connected: %v (a %v, b %v) errs a=%v b=%v", err, a.pc.ConnectionState(), b.pc.ConnectionState(), a.errs, b.errs)
	}
	if b.pc.tr.selected.Protocol != shared.TCP {
		t.Fatalf("selected %v", b.pc.tr.selected)
	}
	evs := trackEvents(b)
	if len(evs) != 1 {
		t.Fatalf("track events %+v", evs)
	}
	for i := range 10 {
		if err := audio.WriteSample(Sample{Data: bytes.Repeat([]byte{byte(i)}, 80), Duration: 20 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	got := func() bool { return len(rtpReads(b, evs[0].Transceiver)) == 10 }
	if err := sim.Run(got, 100000); err != nil {
		t.Fatalf("b read %d packets: %v; stats %+v", len(rtpReads(b, evs[0].Transceiver)), err, b.pc.media.stats)
	}
	checkStream(t, rtpReads(b, evs[0].Transceiver), audio.Encodings()[0].SSRC, 111)
	if len(a.errs)+len(b.errs) > 0 {
		t.Errorf("errors a=%v b=%v", a.errs, b.errs)
	}
}
