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
)

// peer is a PeerConnection on netsim. netsim.Collector drains its events
// and messages after every verb; errors are also kept in errs, and
// messages are echoed back when echo is set.
type peer struct {
	*netsim.Collector[Message, OutgoingMessage, Command, Event]
	t    testing.TB
	name string
	pc   *PeerConnection
	errs []error
	echo bool
}

func wrapPeer(t testing.TB, name string, pc *PeerConnection) *peer {
	p := &peer{t: t, name: name, pc: pc}
	p.Collector = netsim.Collect[Message, OutgoingMessage, Command, Event](pc)
	p.OnEvent = func(e Event) {
		if e.Kind == EventError {
			p.errs = append(p.errs, e.Err)
		}
	}
	p.OnRead = func(m Message) {
		if !p.echo {
			return
		}
		// What Send and SendText call, with the message's own type.
		if err := pc.send(m.Channel, m.Data, m.Binary); err != nil {
			p.errs = append(p.errs, err)
		}
	}
	return p
}

// PollTimeout is the PeerConnection's, checked on every call against a
// fresh poll of every machine under it: the parts' timers may hold a
// deadline that is early (a spurious wakeup) but never one that is late
// or missing, whatever verb ran before; and while datagrams wait in
// PollWrite it must say now (the drain rule). Every netsim test checks it
// at every step.
func (p *peer) PollTimeout() (time.Time, bool) {
	t, ok := p.pc.PollTimeout()
	if p.pc.closed {
		return t, ok
	}
	if p.pc.tr.outbox.Len() > 0 && (!ok || !t.Equal(p.pc.clock.Now())) {
		p.t.Errorf("%s: output is pending and PollTimeout says %v (%v)", p.name, t, ok)
	}
	all, _ := p.pc.tr.ice.PollTimeout()
	if c := p.pc.tr.conn; c != nil {
		d, _ := c.PollTimeout()
		all = shared.Earliest(all, d)
	}
	if m := p.pc.data.mgr; m != nil {
		d, _ := m.PollTimeout()
		all = shared.Earliest(all, d)
	}
	if !all.IsZero() && (!ok || t.After(p.pc.clock.Clamp(all))) {
		p.t.Errorf("%s: PollTimeout %v (%v), a layer is due at %v", p.name, t, ok, all)
	}
	return t, ok
}

func (p *peer) saw(k EventKind) bool {
	for _, e := range p.Events {
		if e.Kind == k {
			return true
		}
	}
	return false
}

func (p *peer) channel(label string) *DataChannel {
	for _, e := range p.Events {
		if (e.Kind == EventDataChannel || e.Kind == EventDataChannelOpen) && e.Channel.Label() == label {
			return e.Channel
		}
	}
	return nil
}

var (
	addrA = netip.MustParseAddrPort("192.0.2.1:5000")
	addrB = netip.MustParseAddrPort("198.51.100.1:6000")
)

func newPeer(t testing.TB, sim *netsim.Sim, seed uint64, name string, addr netip.AddrPort) *peer {
	t.Helper()
	pc, err := NewPeerConnection(Configuration{Rand: netsim.NewRand(seed, name), Now: sim.Now(), LocalAddresses: []netip.AddrPort{addr}})
	if err != nil {
		t.Fatal(err)
	}
	p := wrapPeer(t, name, pc)
	sim.Add(p, addr)
	return p
}

// negotiate runs offer/answer between a and b in memory (no trickle: the
// descriptions carry their candidates). tamper may edit the answer.
func negotiate(t testing.TB, a, b *peer, tamper func(string) string) {
	t.Helper()
	offer, err := a.pc.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	a.Drain()
	if err := b.pc.SetRemoteDescription(a.pc.LocalDescription()); err != nil {
		t.Fatalf("b.SetRemoteDescription(offer): %v\n%s", err, a.pc.LocalDescription().SDP)
	}
	answer, err := b.pc.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.pc.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	b.Drain()
	ans := b.pc.LocalDescription()
	if tamper != nil {
		ans.SDP = tamper(ans.SDP)
	}
	if err := a.pc.SetRemoteDescription(ans); err != nil {
		t.Fatalf("a.SetRemoteDescription(answer): %v\n%s", err, ans.SDP)
	}
	a.Drain()
}

func TestPairDataChannelEcho(t *testing.T) {
	for _, tc := range []struct {
		name string
		seed uint64
		link netsim.LinkConfig
	}{
		{"clean", 1, netsim.LinkConfig{Delay: 10 * time.Millisecond}},
		{"loss10", 7, netsim.LinkConfig{Delay: 20 * time.Millisecond, Jitter: 5 * time.Millisecond, Loss: 0.1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, a, b, dc, neg := echoPair(t, tc.seed, tc.link)
			echoAllSizes(t, sim, a, dc, neg, tc.seed)
			// Close from a: both sides see close.
			if err := dc.Close(); err != nil {
				t.Fatal(err)
			}
			bdc := b.channel("probe")
			if err := sim.Run(func() bool { return dc.State() == DataChannelClosed && bdc.State() == DataChannelClosed }, 20000); err != nil {
				t.Fatalf("seed %d: close: a %v b %v: %v", tc.seed, dc.State(), bdc.State(), err)
			}
			if len(a.errs)+len(b.errs) > 0 {
				t.Errorf("errors: a=%v b=%v", a.errs, b.errs)
			}
		})
	}
}

// echoPair connects a to an echoing b with an in-band channel "probe" and
// a negotiated unordered channel "neg" (id 9).
func echoPair(t *testing.T, seed uint64, link netsim.LinkConfig) (*netsim.Sim, *peer, *peer, *DataChannel, *DataChannel) {
	t.Helper()
	sim := netsim.New(netsim.Config{Seed: seed})
	sim.SetDefaultLink(link)
	a := newPeer(t, sim, seed, "a", addrA)
	b := newPeer(t, sim, seed, "b", addrB)
	b.echo = true
	dc, err := a.pc.CreateDataChannel("probe", DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	id := uint16(9)
	neg, err := a.pc.CreateDataChannel("neg", DataChannelInit{Negotiated: true, ID: &id, Unordered: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.pc.CreateDataChannel("neg", DataChannelInit{Negotiated: true, ID: &id, Unordered: true}); err != nil {
		t.Fatal(err)
	}
	if !a.saw(EventNegotiationNeeded) {
		a.Drain()
	}
	negotiate(t, a, b, nil)
	if err := sim.Run(func() bool { return dc.State() == DataChannelOpen && b.channel("probe") != nil }, 20000); err != nil {
		t.Fatalf("seed %d: channel not open: %v (a: %v %v, b: %v %v) errs a=%v b=%v", seed, err,
			a.pc.ConnectionState(), a.pc.ICEConnectionState(), b.pc.ConnectionState(), b.pc.ICEConnectionState(), a.errs, b.errs)
	}
	if a.pc.ConnectionState() != PeerConnectionConnected {
		t.Errorf("a connection state %v", a.pc.ConnectionState())
	}
	return sim, a, b, dc, neg
}

// echoAllSizes sends binary and text messages of 1 B to 256 KiB on both
// channels and checks every echo, byte for byte.
func echoAllSizes(t *testing.T, sim *netsim.Sim, a *peer, dc, neg *DataChannel, seed uint64) {
	t.Helper()
	sizes := []int{1, 1024, 16 << 10, 64 << 10, 256 << 10}
	for i, n := range sizes {
		msg := bytes.Repeat([]byte{byte('a' + i)}, n)
		ch := dc
		if i%2 == 1 {
			ch = neg
		}
		if err := ch.Send(msg); err != nil {
			t.Fatalf("send %d: %v", n, err)
		}
		if err := ch.SendText(string(msg)); err != nil {
			t.Fatalf("send text %d: %v", n, err)
		}
	}
	want := 2 * len(sizes)
	if err := sim.Run(func() bool { return len(a.Reads) >= want }, 200000); err != nil {
		t.Fatalf("seed %d: %d of %d echoes: %v", seed, len(a.Reads), want, err)
	}
	got := map[string]int{}
	for _, m := range a.Reads {
		got[m.Channel.Label()+map[bool]string{true: "/bin", false: "/text"}[m.Binary]]++
		if len(m.Data) == 0 || !bytes.Equal(m.Data, bytes.Repeat(m.Data[:1], len(m.Data))) {
			t.Fatalf("corrupt echo of %d bytes", len(m.Data))
		}
	}
	if got["probe/bin"] != 3 || got["probe/text"] != 3 || got["neg/bin"] != 2 || got["neg/text"] != 2 {
		t.Errorf("echoes per channel: %v", got)
	}
}

// TestFingerprintMismatch: RFC 8122 §5 / RFC 8827 §6.5: a certificate that
// does not match a=fingerprint fails the connection.
func TestFingerprintMismatch(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 3})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 5 * time.Millisecond})
	a := newPeer(t, sim, 3, "a", addrA)
	b := newPeer(t, sim, 3, "b", addrB)
	if _, err := a.pc.CreateDataChannel("x", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, func(s string) string {
		i := strings.Index(s, "a=fingerprint:sha-256 ") + len("a=fingerprint:sha-256 ")
		c := "0"
		if s[i] == '0' {
			c = "1"
		}
		return s[:i] + c + s[i+1:]
	})
	failed := func() bool { return a.pc.ConnectionState() == PeerConnectionFailed }
	if err := sim.Run(failed, 20000); err != nil {
		t.Fatalf("a did not fail: %v (state %v)", err, a.pc.ConnectionState())
	}
	found := false
	for _, e := range a.errs {
		if errors.Is(e, ErrFingerprintMismatch) {
			found = true
		}
	}
	if !found || a.pc.Stats().FingerprintFailures == 0 {
		t.Errorf("no ErrFingerprintMismatch event: %v", a.errs)
	}
}

// TestICELitePair: a full agent and a lite one (RFC 8445 §2.5: the lite
// side never checks, it only answers and is nominated) connect a data
// channel, whichever side offers: DTLS starts on the pair the lite side
// learns from the nomination.
func TestICELitePair(t *testing.T) {
	for _, liteOffers := range []bool{false, true} {
		cfgFull, cfgLite := Configuration{}, Configuration{ICELite: true}
		first, second := cfgFull, cfgLite
		if liteOffers {
			first, second = cfgLite, cfgFull
		}
		_, a, b, _ := connectedPair(t, 26, 1, first, second)
		if a.pc.ConnectionState() != PeerConnectionConnected || len(a.errs)+len(b.errs) > 0 {
			t.Errorf("lite offers %v: %v, errs %v %v", liteOffers, a.pc.ConnectionState(), a.errs, b.errs)
		}
	}
}
