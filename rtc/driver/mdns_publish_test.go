package driver

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc-ice/mdns"
)

// netnsChild marks a test process re-run inside a private network
// namespace.
const netnsChild = "SANSRTC_DRIVER_NETNS_CHILD"

// inPrivateLAN re-runs the calling test under `unshare -n` in a namespace
// holding lo and a veth pair whose two ends stay inside it (veth0
// 192.168.77.2/24, veth1 192.168.77.1/24): multicast between the ends
// never leaves the machine. In the parent it reports the child's result
// and returns false; in the child it builds the LAN and returns true.
// Where no namespace can be made it skips, or fails under
// SANSRTC_REQUIRE_INTEROP=1.
func inPrivateLAN(t *testing.T) bool {
	t.Helper()
	if os.Getenv(netnsChild) == t.Name() {
		for _, c := range [][]string{
			{"ip", "link", "set", "lo", "up"},
			{"ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1"},
			{"ip", "addr", "add", "192.168.77.2/24", "dev", "veth0"},
			{"ip", "addr", "add", "192.168.77.1/24", "dev", "veth1"},
			{"ip", "link", "set", "veth0", "up"},
			{"ip", "link", "set", "veth1", "up"},
		} {
			if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
				t.Fatalf("namespace setup %q: %v: %s", strings.Join(c, " "), err, out)
			}
		}
		time.Sleep(200 * time.Millisecond) // IPv4 on the veth pair (no DAD, but the link comes up)
		return true
	}
	skip := func(reason string) {
		if os.Getenv("SANSRTC_REQUIRE_INTEROP") == "1" {
			t.Fatalf("%s and SANSRTC_REQUIRE_INTEROP=1", reason)
		}
		t.Skip(reason)
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		skip("no unshare (util-linux): no private network namespace")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		skip("no ip (iproute2): no private network namespace")
	}
	if out, err := exec.Command(unshare, "-n", "ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1").CombinedOutput(); err != nil {
		skip(fmt.Sprintf("cannot make a private network namespace with a veth pair (unshare -n: %v: %s)", err, strings.TrimSpace(string(out))))
	}
	cmd := exec.Command(unshare, "-n", os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), netnsChild+"="+t.Name())
	out, err := cmd.CombinedOutput()
	t.Logf("in the namespace:\n%s", out)
	if err != nil {
		t.Fatalf("test in the namespace failed: %v", err)
	}
	if strings.Contains(string(out), "--- SKIP") {
		t.Skip("skipped in the namespace (see the log)")
	}
	return false
}

// mdnsPeer is one side of TestMDNSPublishTwoPeers: its own driver bound to
// one end of the veth pair, with an MDNSResolver on that end.
type mdnsPeer struct {
	res    *MDNSResolver
	d      *Driver
	c      *Conn
	opened chan *rtc.DataChannel
	got    chan string
}

func newMDNSPeer(t *testing.T, ifname, addr string, echo bool) *mdnsPeer {
	t.Helper()
	res, err := NewMDNSResolver(MDNSConfig{Interface: ifname, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p := &mdnsPeer{res: res, opened: make(chan *rtc.DataChannel, 1), got: make(chan string, 1)}
	p.d = New(Config{Addresses: []netip.Addr{netip.MustParseAddr(addr)}, Resolver: res})
	h := Handler{
		OnEvent: func(c *Conn, e rtc.Event) {
			if e.Kind == rtc.EventDataChannelOpen {
				p.opened <- e.Channel
			}
		},
		OnMessage: func(c *Conn, m rtc.Message) {
			if !echo {
				p.got <- string(m.Data)
				return
			}
			if err := m.Channel.SendText("echo: " + string(m.Data)); err != nil {
				t.Errorf("echo: %v", err)
			}
		},
	}
	p.c, err = p.d.NewPeerConnection(rtc.Configuration{MDNSHostCandidates: true}, h)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// selectedRemoteType is the candidate type of the selected pair's remote
// candidate, from getStats.
func selectedRemoteType(t *testing.T, c *Conn) string {
	t.Helper()
	typ := ""
	err := c.Do(func(pc *rtc.PeerConnection) error {
		r := pc.GetStats(time.Now())
		for _, id := range r.IDs(rtc.StatsTypeTransport) {
			tr, _ := r[id].(rtc.StatsTransport)
			p, ok := r[tr.SelectedCandidatePairID].(rtc.StatsCandidatePair)
			if !ok {
				continue
			}
			if rc, ok := r[p.RemoteCandidateID].(rtc.StatsCandidate); ok {
				typ = rc.CandidateType
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

// TestMDNSPublishTwoPeers: two sansrtc peers, each with its own driver
// and MDNSResolver on one end of a veth pair in a private namespace, both
// with MDNSHostCandidates. Their descriptions carry only .local names;
// each resolves the other's through its mDNS socket (the other's
// Responder answers), the selected pairs are host to host, and a message
// is echoed. When a connection closes its names are withdrawn (goodbye,
// TTL 0), seen by the other side's socket.
func TestMDNSPublishTwoPeers(t *testing.T) {
	if !inPrivateLAN(t) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a := newMDNSPeer(t, "veth0", "192.168.77.2", false)
	b := newMDNSPeer(t, "veth1", "192.168.77.1", true)
	defer func() {
		for _, p := range []*mdnsPeer{a, b} {
			p.d.Close()
			if err := p.res.Close(); err != nil {
				t.Errorf("closing a resolver: %v", err)
			}
		}
	}()
	if _, err := a.c.CreateDataChannel("m", rtc.DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	off, err := a.c.OfferAfterGathering(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := b.c.AnswerAfterGathering(ctx, off)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{off.SDP, ans.SDP} {
		if strings.Contains(d, "192.168.77.") {
			t.Fatalf("a description has a LAN address:\n%s", d)
		}
		if !strings.Contains(d, ".local ") {
			t.Fatalf("a description has no .local candidate:\n%s", d)
		}
	}
	if err := a.c.SetAnswer(ans); err != nil {
		t.Fatal(err)
	}
	var dc *rtc.DataChannel
	select {
	case dc = <-a.opened:
	case <-ctx.Done():
		t.Fatalf("channel did not open; stats a %+v b %+v", a.res.Stats(), b.res.Stats())
	}
	if err := a.c.Send(dc, []byte("hi"), false); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-a.got:
		if s != "echo: hi" {
			t.Errorf("got %q", s)
		}
	case <-ctx.Done():
		t.Fatal("no echo")
	}
	// The lookups run beside the connection: the peer's first check may
	// arrive before its name resolves and select a peer-reflexive pair,
	// whose remote candidate becomes the host one when the name resolves
	// (RFC 8445 §7.3.1.3). Give them the Querier's time.
	for name, p := range map[string]*mdnsPeer{"a": a, "b": b} {
		deadline := time.Now().Add(5 * time.Second)
		typ := selectedRemoteType(t, p.c)
		for typ != "host" && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			typ = selectedRemoteType(t, p.c)
		}
		if typ != "host" {
			t.Errorf("%s: selected pair's remote candidate is %q, want host (its name resolved)", name, typ)
		}
		s := p.res.Stats()
		for s.Responder.ResponsesSent == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			s = p.res.Stats()
		}
		if s.Published != 1 || s.Responder.ResponsesSent == 0 {
			t.Errorf("%s: stats %+v: want one name published and announced or answered", name, s)
		}
		t.Logf("%s: resolver stats %+v", name, s)
	}
	// A querier that heard no announcement asks for b's name: b's
	// Responder answers the query (not only its announcements, which
	// the resolvers above may have cached).
	var names []rtc.PublishedHostname
	if err := b.c.Do(func(pc *rtc.PeerConnection) error { names = pc.PublishedHostnames(); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0].Addr != netip.MustParseAddr("192.168.77.1") {
		t.Fatalf("b's names: %v", names)
	}
	third, err := NewMDNSResolver(MDNSConfig{Interface: "veth0", Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	got, err := third.LookupHost(ctx, names[0].Hostname)
	if err != nil || got != names[0].Addr {
		t.Fatalf("a fresh querier resolved %s to %v, %v", names[0].Hostname, got, err)
	}
	if err := third.Close(); err != nil {
		t.Fatal(err)
	}
	if q := b.res.Stats().Responder.Questions; q == 0 {
		t.Errorf("b's Responder answered no question: %+v", b.res.Stats())
	}
	// Closing b withdraws its name: a goodbye (TTL 0) on the link.
	if err := b.c.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for b.res.Stats().Published != 0 || b.res.Stats().Responder.Goodbyes == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("b's name not withdrawn: %+v", b.res.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// PublishHostname refuses what the Responder must not answer for: names
// not of the draft's form, addresses off the resolver's interface, more
// names than MaxNames, one name for two addresses; and everything after
// Close. It runs on lo (no packet leaves the machine); lo needs no
// multicast here, only the socket.
func TestMDNSPublishRefuses(t *testing.T) {
	res, err := NewMDNSResolver(MDNSConfig{Interface: "lo", MaxNames: 2})
	if err != nil {
		t.Skipf("no mDNS socket on lo: %v", err)
	}
	n1, n2, n3 := mustNewName(t), mustNewName(t), mustNewName(t)
	lo := netip.MustParseAddr("127.0.0.1")
	for _, tc := range []struct {
		name string
		addr netip.Addr
		want error
	}{
		{"printer.local", lo, mdns.ErrBadName},
		{n1, netip.MustParseAddr("192.0.2.1"), ErrNotOnInterface},
		{n1, lo, nil},
		{n1, lo, nil}, // again: nothing new
		{n1, netip.MustParseAddr("127.0.0.2"), mdns.ErrNameInUse},
		{n2, lo, nil},
		{n3, lo, ErrTooManyNames},
	} {
		if err := res.PublishHostname(tc.name, tc.addr); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("PublishHostname(%s, %s) = %v, want %v", tc.name, tc.addr, err, tc.want)
		}
	}
	if err := res.UnpublishHostname(n3); !errors.Is(err, mdns.ErrUnknownName) {
		t.Errorf("UnpublishHostname(unknown) = %v", err)
	}
	if err := res.UnpublishHostname(n1); err != nil {
		t.Fatal(err)
	}
	if err := res.PublishHostname(n3, lo); err != nil {
		t.Errorf("room after a withdrawal: %v", err)
	}
	if s := res.Stats(); s.Published != 2 || s.Refused != 4 {
		t.Errorf("stats %+v, want 2 published and 4 refused", s)
	}
	if err := res.Close(); err != nil {
		t.Fatal(err)
	}
	if err := res.PublishHostname(mustNewName(t), lo); !errors.Is(err, ErrResolverClosed) {
		t.Errorf("after Close: %v", err)
	}
	if err := res.UnpublishHostname(n2); !errors.Is(err, ErrResolverClosed) {
		t.Errorf("UnpublishHostname after Close: %v", err)
	}
}

func mustNewName(t *testing.T) string {
	t.Helper()
	n, err := mdns.NewName(nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
