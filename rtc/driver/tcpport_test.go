package driver

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

// keepCandidates returns sd without the candidate lines keep refuses.
func keepCandidates(sd rtc.SessionDescription, keep func(line string) bool) rtc.SessionDescription {
	var out []string
	for _, l := range strings.Split(sd.SDP, "\r\n") {
		if strings.HasPrefix(l, "a=candidate:") && !keep(l) {
			continue
		}
		out = append(out, l)
	}
	sd.SDP = strings.Join(out, "\r\n")
	return sd
}

func isTCP(l string) bool     { return strings.Contains(l, " tcp ") }
func isActive(l string) bool  { return isTCP(l) && strings.Contains(l, "tcptype active") }
func isPassive(l string) bool { return isTCP(l) && strings.Contains(l, "tcptype passive") }

// passiveAddrs lists the passive TCP candidates of a description.
func passiveAddrs(sdp string) []string {
	var out []string
	for _, l := range strings.Split(sdp, "\r\n") {
		if strings.HasPrefix(l, "a=candidate:") && isPassive(l) {
			f := strings.Fields(l)
			out = append(out, net.JoinHostPort(f[4], f[5]))
		}
	}
	return out
}

// connectTCP connects client a (active TCP candidates only) to b over
// ICE-TCP: no UDP candidate is exchanged, so no UDP pair can form. flood,
// if set, runs once b's answer is known and before a dials.
func connectTCP(t *testing.T, ctx context.Context, a, b *Conn, flood func(answer rtc.SessionDescription)) *rtc.DataChannel {
	t.Helper()
	dc, err := a.CreateDataChannel("x", rtc.DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	off, err := a.OfferAfterGathering(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := b.AnswerAfterGathering(ctx, keepCandidates(off, isActive))
	if err != nil {
		t.Fatal(err)
	}
	ans = keepCandidates(ans, isPassive)
	if flood != nil {
		flood(ans)
	}
	if err := a.SetAnswer(ans); err != nil {
		t.Fatal(err)
	}
	if err := a.WaitOpen(ctx, dc); err != nil {
		t.Fatal(err)
	}
	if p := selectedProtocol(t, a); p != "tcp" {
		t.Fatalf("selected pair over %q", p)
	}
	return dc
}

// selectedProtocol is the protocol of c's selected pair's local candidate.
func selectedProtocol(t *testing.T, c *Conn) string {
	t.Helper()
	var proto string
	if err := c.Do(func(pc *rtc.PeerConnection) error {
		r := pc.GetStats(time.Now())
		for _, tr := range rtc.StatsOf[rtc.StatsTransport](r) {
			if p, ok := r[tr.SelectedCandidatePairID].(rtc.StatsCandidatePair); ok {
				l, _ := r[p.LocalCandidateID].(rtc.StatsCandidate)
				proto = l.Protocol
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return proto
}

// iceCheck builds a Binding request that looks like an ICE check:
// USERNAME, a MESSAGE-INTEGRITY of mi (not a valid one) and a matching
// FINGERPRINT, framed for RFC 4571.
func iceCheck(username string, mi []byte) []byte {
	b := stunRequest(0x0006, username)
	b = binary.BigEndian.AppendUint16(b, 0x0008)
	b = binary.BigEndian.AppendUint16(b, uint16(len(mi)))
	b = append(b, mi...)
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)-20+8))
	crc := crc32.ChecksumIEEE(b) ^ 0x5354554e
	b = binary.BigEndian.AppendUint16(b, 0x8028)
	b = binary.BigEndian.AppendUint16(b, 4)
	b = binary.BigEndian.AppendUint32(b, crc)
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(b))), b...)
}

func TestCheckUfrag(t *testing.T) {
	good := iceCheck("abcd:wxyz", make([]byte, 20))[2:]
	if u, ok := checkUfrag(good); !ok || string(u) != "abcd" {
		t.Fatalf("good check: %q, %v", u, ok)
	}
	for name, b := range map[string][]byte{
		"bad fingerprint": func() []byte { b := append([]byte(nil), good...); b[len(b)-1] ^= 1; return b }(),
		"no integrity": func() []byte {
			b := stunRequest(0x0006, "abcd:wxyz")
			binary.BigEndian.PutUint16(b[2:], uint16(len(b)-20+8))
			crc := crc32.ChecksumIEEE(b) ^ 0x5354554e
			b = binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(b, 0x80280004), crc)
			return b
		}(),
		"no fingerprint": stunRequest(0x0006, "abcd:wxyz", 0x0008, strings.Repeat("m", 20)),
		"trailing bytes": append(append([]byte(nil), good...), 0, 0, 0, 0),
		"cut":            good[:len(good)-4],
		"no USERNAME":    iceCheck("abcd", make([]byte, 20))[2:],
	} {
		if u, ok := checkUfrag(b); ok {
			t.Errorf("%s: accepted, ufrag %q", name, u)
		}
	}
}

// FuzzCheckUfrag: the first-frame check never panics, and accepts only
// what the USERNAME peek accepts.
func FuzzCheckUfrag(f *testing.F) {
	f.Add(iceCheck("abcd:wxyz", make([]byte, 20))[2:])
	f.Add(stunRequest(0x0006, "a:b"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		u, ok := checkUfrag(b)
		if u2, ok2 := stunLocalUfrag(b); ok && (!ok2 || string(u) != string(u2)) {
			t.Fatalf("ufrag %q, peek %q %v", u, u2, ok2)
		}
	})
}

// waitClosed reports whether the driver closed nc within d (a read sees
// EOF or a reset rather than the deadline).
func waitClosed(nc net.Conn, d time.Duration) bool {
	if err := nc.SetReadDeadline(time.Now().Add(d)); err != nil {
		return true
	}
	var buf [512]byte
	for {
		_, err := nc.Read(buf[:])
		if err == nil {
			continue
		}
		var ne net.Error
		return !(errors.As(err, &ne) && ne.Timeout())
	}
}

// attack opens, against addr, the connections of a flood: idle ones (more
// than the pending limit), a slowloris sending one byte of a check every
// 100 ms, an oversize frame, garbage, a check for an unknown ufrag and,
// when ufrag is set, a check for it with a wrong MESSAGE-INTEGRITY. It
// returns them by name (idle ones as "idle0"...).
func attack(t *testing.T, addr string, idle int, ufrag string, stop <-chan struct{}) map[string]net.Conn {
	t.Helper()
	out := map[string]net.Conn{}
	dial := func(name string, first []byte) net.Conn {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if first != nil {
			if _, err := nc.Write(first); err != nil {
				t.Fatal(err)
			}
		}
		out[name] = nc
		t.Cleanup(func() { nc.Close() })
		return nc
	}
	for i := range idle {
		dial(fmt.Sprint("idle", i), nil)
	}
	slow := dial("slowloris", nil)
	go func() {
		for _, b := range iceCheck("slow:x", make([]byte, 20)) {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := slow.Write([]byte{b}); err != nil {
				return
			}
		}
	}()
	dial("oversize", []byte{0xff, 0xff, 0, 1, 0, 0})
	dial("garbage", append([]byte{0, 40}, []byte(strings.Repeat("\x16garbage!", 5))...))
	dial("unknown ufrag", iceCheck("nobody:x", make([]byte, 20)))
	if ufrag != "" {
		dial("bad integrity", iceCheck(ufrag+":x", make([]byte, 20)))
	}
	return out
}

// TestTCPPortFlood (issue 16): two connections of one driver share its
// one ICE-TCP port (Config.TCPPort, with and without SinglePort); each
// connects to its own client over TCP only while the port is flooded:
// idle connections beyond the pending limit, a slowloris, an oversize
// frame, garbage, checks for an unknown ufrag and with a bad
// MESSAGE-INTEGRITY. The real peers connect and echo; every bad
// connection is closed and counted.
func TestTCPPortFlood(t *testing.T) {
	t.Parallel()
	for _, single := range []bool{false, true} {
		t.Run(fmt.Sprint("SinglePort=", single), func(t *testing.T) {
			t.Parallel() // mostly waiting for the first-frame deadline
			testTCPPortFlood(t, single)
		})
	}
}

func testTCPPortFlood(t *testing.T, single bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const pendingLimit, idle = 16, 40
	server := New(Config{Addresses: loopback, TCPPort: -1, SinglePort: single, MaxPendingTCP: pendingLimit})
	defer server.Close()
	clients := New(Config{Addresses: loopback, ICETCP: true})
	defer clients.Close()
	echo := Handler{OnMessage: func(c *Conn, m rtc.Message) {
		if err := c.Send(m.Channel, m.Data, m.Binary); err != nil {
			t.Error(err)
		}
	}}
	stop := make(chan struct{})
	defer close(stop)
	var port string
	var bad map[string]net.Conn
	for i := range 2 {
		b, err := server.NewPeerConnection(rtc.Configuration{}, echo)
		if err != nil {
			t.Fatal(err)
		}
		in := make(chan string, 4)
		a, err := clients.NewPeerConnection(rtc.Configuration{}, Handler{OnMessage: func(c *Conn, m rtc.Message) { in <- string(m.Data) }})
		if err != nil {
			t.Fatal(err)
		}
		dc := connectTCP(t, ctx, a, b, func(ans rtc.SessionDescription) {
			p := passiveAddrs(ans.SDP)
			if len(p) != 1 || (port != "" && p[0] != port) {
				t.Fatalf("passive candidates %v, want the one shared port %q", p, port)
			}
			port = p[0]
			if i == 0 {
				bad = attack(t, port, idle, localUfrag(ans.SDP), stop)
			}
		})
		want := fmt.Sprint("hello ", i)
		if err := a.Send(dc, []byte(want), false); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-in:
			if got != want {
				t.Fatalf("echo %q", got)
			}
		case <-ctx.Done():
			t.Fatal("no echo")
		}
	}
	// Every bad connection is closed: the ones refused at once and the
	// evicted idle ones now, the slowloris and the last idle ones by the
	// first-frame deadline.
	for name, nc := range bad {
		if !waitClosed(nc, tcpFirstFrameTimeout+2*time.Second) {
			t.Errorf("%s: still open", name)
		}
	}
	// Each bad connection is counted once, as rejected, evicted or timed
	// out; which one can depend on timing (on a loaded machine a bad frame
	// may still be unread when its connection is evicted or times out), so
	// the sum is checked, and that each way was taken.
	st := server.Stats()
	t.Logf("stats %+v", st)
	closed := st.TCPRejected + st.TCPEvicted + st.TCPTimedOut
	if st.TCPAdmitted < 2 || closed < uint64(len(bad)) || st.TCPRejected < 1 || st.TCPEvicted < 1 || st.TCPTimedOut < 1 {
		t.Errorf("stats %+v: want ≥2 admitted, ≥%d rejected, evicted or timed out (each at least once)", st, len(bad))
	}
	if n := server.tcp.gate.len(); n != 0 {
		t.Errorf("%d connections still pending", n)
	}
}

// TestICETCPIdleTimeout (issue 16): a connection's own ICE-TCP port
// (Config.ICETCP) no longer gives its slots to whoever connects: a flood
// of idle connections and bad checks is held only until the first-frame
// deadline (or evicted), and the real peer connects through the same
// port meanwhile; only it takes a slot.
func TestICETCPIdleTimeout(t *testing.T) {
	t.Parallel() // mostly waiting for the first-frame deadline
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := New(Config{Addresses: loopback, ICETCP: true})
	defer db.Close()
	da := New(Config{Addresses: loopback, ICETCP: true})
	defer da.Close()
	b, err := db.NewPeerConnection(rtc.Configuration{}, Handler{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := da.NewPeerConnection(rtc.Configuration{}, Handler{})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	var bad map[string]net.Conn
	connectTCP(t, ctx, a, b, func(ans rtc.SessionDescription) {
		p := passiveAddrs(ans.SDP)
		if len(p) != 1 {
			t.Fatalf("passive candidates %v", p)
		}
		bad = attack(t, p[0], 3*maxTCPConns, localUfrag(ans.SDP), stop)
	})
	for name, nc := range bad {
		if !waitClosed(nc, tcpFirstFrameTimeout+2*time.Second) {
			t.Errorf("%s: still open", name)
		}
	}
	b.streams.mu.Lock()
	held := len(b.streams.m)
	b.streams.mu.Unlock()
	if held != 1 {
		t.Errorf("%d TCP slots held, want the real peer's only", held)
	}
	st := db.Stats()
	t.Logf("stats %+v", st)
	if st.TCPAdmitted < 1 || st.TCPRejected < 4 || st.TCPEvicted < 2*maxTCPConns || st.TCPTimedOut < 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestTCPPortPublicIP: with PublicIP the shared port's passive candidate
// advertises the public address, and a second driver cannot take the same
// fixed port.
func TestTCPPortPublicIP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	pub := netip.MustParseAddr("192.0.2.7")
	d := New(Config{Addresses: loopback, SinglePort: true, PublicIP: pub, TCPPort: port})
	defer d.Close()
	c, err := d.NewPeerConnection(rtc.Configuration{}, Handler{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDataChannel("x", rtc.DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	off, err := c.OfferAfterGathering(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := netip.AddrPortFrom(pub, uint16(port)).String()
	if p := passiveAddrs(off.SDP); len(p) != 1 || p[0] != want {
		t.Errorf("passive candidates %v, want %s", p, want)
	}
	d2 := New(Config{Addresses: loopback, TCPPort: port})
	defer d2.Close()
	if _, err := d2.NewPeerConnection(rtc.Configuration{}, Handler{}); err == nil || !strings.Contains(err.Error(), "shared ICE-TCP port") {
		t.Errorf("second driver on the same port: %v", err)
	}
}

// TestTCPGateClosed: a connection that reaches a closed gate (accepted
// just before the driver or connection closed) is closed at once, so
// Driver.Close never waits for a first-frame deadline.
func TestTCPGateClosed(t *testing.T) {
	var g tcpGate
	var evicted atomic.Uint64
	g.limit = 4
	a, b := net.Pipe()
	defer b.Close()
	p, _ := g.enter(a, &evicted)
	g.closeAll()
	if !p.out || !waitClosed(b, time.Second) {
		t.Fatal("waiting connection not closed")
	}
	c, d := net.Pipe()
	defer d.Close()
	if p, e := g.enter(c, &evicted); p != nil || e != nil || !waitClosed(d, time.Second) {
		t.Fatal("a connection entering a closed gate was kept")
	}
	if g.len() != 0 {
		t.Fatalf("%d waiting", g.len())
	}
	if n := evicted.Load(); n != 0 {
		t.Fatalf("%d counted as evicted", n)
	}
}

// TestTCPGateEvicts: a full gate closes its oldest waiting connection for
// a new one and counts it, before the close (TestTCPPortFlood's totals
// are read as soon as every bad connection is seen closed).
func TestTCPGateEvicts(t *testing.T) {
	var g tcpGate
	var evicted atomic.Uint64
	g.limit = 1
	a, b := net.Pipe()
	defer b.Close()
	first, e1 := g.enter(a, &evicted)
	c, d := net.Pipe()
	defer d.Close()
	second, e2 := g.enter(c, &evicted)
	if !waitClosed(b, time.Second) || evicted.Load() != 1 {
		t.Fatalf("oldest not evicted and counted: %d evicted", evicted.Load())
	}
	if g.leave(first, e1) {
		t.Fatal("the evicted connection left the gate as if admitted")
	}
	if !g.leave(second, e2) || g.len() != 0 {
		t.Fatal("the newer connection did not leave the gate")
	}
}

// TestICETCPWithSinglePort: per-connection ICE-TCP ports (Config.ICETCP)
// work beside the shared UDP socket (the examples refused -ice-tcp with
// -udp-port before).
func TestICETCPWithSinglePort(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	server := New(Config{Addresses: loopback, SinglePort: true, ICETCP: true})
	defer server.Close()
	clients := New(Config{Addresses: loopback, ICETCP: true})
	defer clients.Close()
	var ports []string
	for range 2 {
		b, err := server.NewPeerConnection(rtc.Configuration{}, Handler{})
		if err != nil {
			t.Fatal(err)
		}
		a, err := clients.NewPeerConnection(rtc.Configuration{}, Handler{})
		if err != nil {
			t.Fatal(err)
		}
		connectTCP(t, ctx, a, b, func(ans rtc.SessionDescription) { ports = append(ports, passiveAddrs(ans.SDP)...) })
	}
	if len(ports) != 2 || ports[0] == ports[1] {
		t.Errorf("passive ports %v, want one per connection", ports)
	}
	if st := server.Stats(); st.TCPAdmitted != 2 {
		t.Errorf("stats %+v", st)
	}
}
