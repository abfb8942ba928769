package congestion

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"
)

const chromiumOffer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n" +
	"a=candidate:1 1 udp 2113937151 127.0.0.1 50000 typ host generation 0\r\n" +
	"a=candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active\r\n" +
	"a=candidate:3 1 udp 2113939711 ::1 50002 typ host\r\n" +
	"a=candidate:4 1 udp 2113937150 127.0.0.1 50004 typ host\r\n" +
	"a=candidate:5 2 udp 2113937150 127.0.0.1 50006 typ host\r\n" +
	"a=end-of-candidates\r\na=mid:0\r\n"

func TestRewriteCandidates(t *testing.T) {
	relay := netip.MustParseAddrPort("127.0.0.1:40000")
	got, from, err := RewriteCandidates(chromiumOffer, relay)
	if err != nil {
		t.Fatal(err)
	}
	if want := netip.MustParseAddrPort("127.0.0.1:50000"); from != want {
		t.Errorf("from = %v, want %v", from, want)
	}
	var cands []string
	for _, ln := range strings.Split(got, "\r\n") {
		if strings.HasPrefix(ln, "a=candidate:") {
			cands = append(cands, ln)
		}
	}
	want := "a=candidate:1 1 udp 2113937151 127.0.0.1 40000 typ host generation 0"
	if len(cands) != 1 || cands[0] != want {
		t.Errorf("candidates %q, want only %q", cands, want)
	}
	if !strings.HasSuffix(got, "a=end-of-candidates\r\na=mid:0\r\n") || !strings.HasPrefix(got, "v=0\r\n") {
		t.Errorf("other lines changed:\n%s", got)
	}
	if _, _, err := RewriteCandidates("v=0\r\na=candidate:2 1 tcp 1 127.0.0.1 9 typ host\r\n", relay); err == nil {
		t.Error("an SDP without a UDP loopback candidate: no error")
	}
}

// ends are the two sides of a relay: a browser socket and a peer socket.
type ends struct {
	r             *Relay
	browser, peer *net.UDPConn
}

func newEnds(t *testing.T, cfg Config) *ends {
	t.Helper()
	r, err := NewRelay(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	e := &ends{r: r}
	for _, c := range []**net.UDPConn{&e.browser, &e.peer} {
		if *c, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { (*c).Close() })
		if err := (*c).SetReadBuffer(1 << 20); err != nil {
			t.Fatal(err)
		}
	}
	r.SetBrowser(e.browser.LocalAddr().(*net.UDPAddr).AddrPort())
	r.SetPeer(e.peer.LocalAddr().(*net.UDPAddr).AddrPort())
	return e
}

// receive reads datagrams on c until none comes for quiet, returning
// their arrival times.
func receive(t *testing.T, c *net.UDPConn, quiet time.Duration) []time.Time {
	t.Helper()
	at, err := (<-collect(c, quiet)).get()
	if err != nil {
		t.Fatal(err)
	}
	return at
}

type arrivals struct {
	at  []time.Time
	err error
}

func (a arrivals) get() ([]time.Time, error) { return a.at, a.err }

// collect reads on c in the background (a sender faster than the socket
// buffer would otherwise lose packets) until none comes for quiet.
func collect(c *net.UDPConn, quiet time.Duration) <-chan arrivals {
	ch := make(chan arrivals, 1)
	go func() {
		var at []time.Time
		buf := make([]byte, 2048)
		for {
			if err := c.SetReadDeadline(time.Now().Add(quiet)); err != nil {
				ch <- arrivals{at, err}
				return
			}
			if _, _, err := c.ReadFromUDPAddrPort(buf); err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					err = nil
				}
				ch <- arrivals{at, err}
				return
			}
			at = append(at, time.Now())
		}
	}()
	return ch
}

// sendCollect sends as send does while collecting on c.
func sendCollect(t *testing.T, c *net.UDPConn, quiet time.Duration, sends func()) []time.Time {
	t.Helper()
	ch := collect(c, quiet)
	sends()
	at, err := (<-ch).get()
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func send(t *testing.T, from *net.UDPConn, to netip.AddrPort, n, size int, first byte) {
	t.Helper()
	b := make([]byte, size)
	b[0] = first
	for i := 0; i < n; i++ {
		if _, err := from.WriteToUDPAddrPort(b, to); err != nil {
			t.Fatal(err)
		}
		if i%50 == 49 {
			time.Sleep(time.Millisecond) // stay under the socket buffers
		}
	}
}

// TestRelayLoss: 5% of 2000 media packets are dropped (seeded: the same
// count every run), STUN and DTLS packets never, the other direction is
// untouched, and every packet is accounted for.
func TestRelayLoss(t *testing.T) {
	e := newEnds(t, Config{Seed: 14, Up: Impairment{Loss: 0.05}})
	got := len(sendCollect(t, e.peer, 300*time.Millisecond, func() {
		send(t, e.browser, e.r.A(), 2000, 200, 0x80) // RTP
		send(t, e.browser, e.r.A(), 200, 100, 0x00)  // STUN
		send(t, e.browser, e.r.A(), 200, 100, 22)    // DTLS handshake
	}))
	up := e.r.Up()
	if up.In != 2400 || uint64(got) != up.Out || up.Out+up.Lost != up.In {
		t.Errorf("got %d, stats %+v: packets unaccounted for", got, up)
	}
	if up.Lost < 60 || up.Lost > 140 {
		t.Errorf("lost %d of 2000 media packets, want about 100 (5%%)", up.Lost)
	}
	down := sendCollect(t, e.browser, 300*time.Millisecond, func() { send(t, e.peer, e.r.B(), 500, 200, 0x80) })
	if got := len(down); got != 500 {
		t.Errorf("down: %d of 500 arrived", got)
	}
	t.Logf("up %+v", up)
}

// TestRelayRateFlood: a flood of 300 1000-byte packets into an 800 kbit/s
// link with a 10000-byte queue: the queue bound holds (the rest are
// counted as overflow), and what passes leaves at the link rate (10 ms per
// packet).
func TestRelayRateFlood(t *testing.T) {
	const rate, queue, size = 800_000, 10_000, 1000
	e := newEnds(t, Config{Up: Impairment{Rate: rate, Queue: queue}})
	start := time.Now()
	at := sendCollect(t, e.peer, 500*time.Millisecond, func() { send(t, e.browser, e.r.A(), 300, size, 0x80) })
	up := e.r.Up()
	if up.MaxQueueBytes > queue {
		t.Errorf("queue reached %d bytes, bound %d", up.MaxQueueBytes, queue)
	}
	if uint64(len(at)) != up.Out || up.Out+up.Overflow != 300 {
		t.Errorf("got %d, stats %+v: packets unaccounted for", len(at), up)
	}
	if len(at) < 2 {
		t.Fatalf("only %d packets passed", len(at))
	}
	span := at[len(at)-1].Sub(start)
	min := time.Duration(len(at)-1) * size * 8 * time.Second / rate
	if span < min*9/10 {
		t.Errorf("%d packets passed in %v, faster than the %d bit/s link (%v)", len(at), span, rate, min)
	}
	// Then the link is idle and lifted: a second burst passes whole.
	if err := e.r.SetUp(Impairment{}); err != nil {
		t.Fatal(err)
	}
	if got := len(sendCollect(t, e.peer, 300*time.Millisecond, func() { send(t, e.browser, e.r.A(), 100, size, 0x80) })); got != 100 {
		t.Errorf("after lifting the limit %d of 100 arrived", got)
	}
	t.Logf("flood: %d passed in %v, %d overflowed, longest wait %v", len(at), span.Round(time.Millisecond), up.Overflow, time.Duration(up.QueueDelayMaxNano).Round(time.Millisecond))
}

// TestRelayUnknownSource: a datagram from anyone but the expected end is
// dropped and counted; bad impairments are refused.
func TestRelayUnknownSource(t *testing.T) {
	e := newEnds(t, Config{})
	other, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	send(t, other, e.r.A(), 5, 100, 0x80)
	if got := len(receive(t, e.peer, 200*time.Millisecond)); got != 0 {
		t.Errorf("%d datagrams from a stranger relayed", got)
	}
	if up := e.r.Up(); up.UnknownSource != 5 {
		t.Errorf("UnknownSource = %d, want 5", up.UnknownSource)
	}
	for _, im := range []Impairment{{Loss: -0.1}, {Loss: 1.5}, {Rate: -1}, {Queue: -1}} {
		if _, err := NewRelay(Config{Up: im}); err == nil {
			t.Errorf("NewRelay(%+v): no error", im)
		}
		if err := e.r.SetDown(im); err == nil {
			t.Errorf("SetDown(%+v): no error", im)
		}
	}
}

// FuzzRewriteCandidates: any SDP text: no panic, at most one candidate
// out, and it names the relay.
func FuzzRewriteCandidates(f *testing.F) {
	f.Add(chromiumOffer)
	f.Add("a=candidate:1 1 udp 1 127.0.0.1 99999 typ host\n")
	f.Add("a=candidate:1 1 UDP 1 127.0.0.1 1 typ\r\n")
	relay := netip.MustParseAddrPort("127.0.0.1:40000")
	f.Fuzz(func(t *testing.T, sdp string) {
		got, from, err := RewriteCandidates(sdp, relay)
		if err != nil {
			return
		}
		if !from.Addr().IsLoopback() {
			t.Fatalf("from %v", from)
		}
		n := 0
		for _, ln := range strings.Split(got, "\n") {
			if strings.HasPrefix(ln, "a=candidate:") {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d candidate lines out", n)
		}
		if !strings.Contains(got, " 127.0.0.1 40000 ") {
			t.Fatalf("relay address missing:\n%s", got)
		}
	})
}
