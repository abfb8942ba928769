package peers

import (
	"net/netip"
	"testing"
	"time"

	stun "github.com/sansrtc/rtc/rtc-stun"
)

func TestCandidateAddr(t *testing.T) {
	for _, c := range []struct {
		line, addr, transport string
		ok                    bool
	}{
		{"a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host", "127.0.0.1", "udp", true},
		{"candidate:1 1 TCP 2130706431 ::1 9 typ host tcptype active", "::1", "tcp", true},
		{"a=candidate:1 1 udp 1 x.local 5000 typ host", "", "", false},
		{"a=candidate:1 1 udp", "", "", false},
		{"a=mid:0", "", "", false},
	} {
		a, tr, ok := CandidateAddr(c.line)
		if ok != c.ok || tr != c.transport || (ok && a.String() != c.addr) {
			t.Errorf("%q: %v %q %v", c.line, a, tr, ok)
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	in := "v=0\na=candidate:1 1 udp 1 127.0.0.1 5000 typ host\na=candidate:2 1 udp 1 192.0.2.1 5000 typ host\r\na=candidate:3 1 udp 1 ::1 5000 typ host\na=candidate:4 1 udp 1 x.local 5000 typ host\n"
	want := "v=0\r\na=candidate:1 1 udp 1 127.0.0.1 5000 typ host\r\na=candidate:3 1 udp 1 ::1 5000 typ host\r\n"
	if got := LoopbackOnly(in); got != want {
		t.Errorf("got %q", got)
	}
}

// TestBindingSuccess checks the ICE-lite responder with rtc-stun: the
// response verifies with the password and the fingerprint, and carries the
// sender's address.
func TestBindingSuccess(t *testing.T) {
	id := stun.TransactionID{1, 2, 3}
	for _, use := range []bool{false, true} {
		b := stun.NewBuilder(nil, stun.BindingRequest, id)
		b.AddUsername("a:b")
		if use {
			b.AddUseCandidate()
		}
		req, err := b.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		from := netip.MustParseAddrPort("127.0.0.1:40000")
		resp, gotUse := BindingSuccess(req, from, "password")
		if gotUse != use {
			t.Errorf("use-candidate %v, want %v", gotUse, use)
		}
		var m stun.Message
		if err := stun.Parse(resp, &m); err != nil {
			t.Fatal(err)
		}
		if err := stun.NewIntegrity([]byte("password")).Check(&m); err != nil {
			t.Error(err)
		}
		if err := m.CheckFingerprint(); err != nil {
			t.Error(err)
		}
		if a, err := m.XORMappedAddress(); err != nil || a != from {
			t.Errorf("mapped %v %v", a, err)
		}
	}
	if r, _ := BindingSuccess([]byte{0, 1, 0, 0}, netip.AddrPort{}, "x"); r != nil {
		t.Error("answered a short packet")
	}
}

func TestMemPipe(t *testing.T) {
	a, b := MemPipe(2)
	if _, err := a.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if n, err := b.Read(buf); err != nil || string(buf[:n]) != "hi" {
		t.Fatalf("%q %v", buf[:n], err)
	}
	a.Write([]byte("1"))
	a.Write([]byte("2")) // the queue from a to b is full
	b.Close()
	if _, err := a.Write([]byte("x")); err == nil {
		t.Error("write after close")
	}
	if _, err := a.Read(buf); err == nil {
		t.Error("read after close")
	}
}

func TestReadUDP(t *testing.T) {
	u := ListenUDP(t)
	v := ListenUDP(t)
	buf := make([]byte, 16)
	if _, _, timedOut, err := ReadUDP(u, buf, time.Now().Add(10*time.Millisecond)); err != nil || !timedOut {
		t.Fatalf("timedOut %v err %v", timedOut, err)
	}
	if _, err := v.WriteToUDPAddrPort([]byte("ping"), u.LocalAddr().(interface{ AddrPort() netip.AddrPort }).AddrPort()); err != nil {
		t.Fatal(err)
	}
	n, from, timedOut, err := ReadUDP(u, buf, time.Now().Add(time.Second))
	if err != nil || timedOut || string(buf[:n]) != "ping" || !from.Addr().Is4() || !from.Addr().IsLoopback() {
		t.Fatalf("%q from %v timedOut %v err %v", buf[:n], from, timedOut, err)
	}
}

func TestFreePort(t *testing.T) {
	if p := FreePort(t); p <= 0 || p > 65535 {
		t.Fatalf("port %d", p)
	}
}
