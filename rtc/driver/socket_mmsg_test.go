//go:build linux && (amd64 || arm64)

package driver

import (
	"bytes"
	"net/netip"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestSockaddrRoundTrip: addresses survive the sockaddr encoding both
// ways, IPv4 on an IPv6 socket goes IPv4-mapped and comes back IPv4.
func TestSockaddrRoundTrip(t *testing.T) {
	for _, s := range []string{"127.0.0.1:9", "192.0.2.7:65535", "[::1]:443", "[2001:db8::5]:1"} {
		ap := netip.MustParseAddrPort(s)
		for _, v6 := range []bool{false, true} {
			if ap.Addr().Is6() && !v6 {
				continue
			}
			var sa syscall.RawSockaddrInet6
			n := addrPortToSockaddr(ap, &sa, v6)
			if want := uint32(syscall.SizeofSockaddrInet4); v6 || ap.Addr().Is6() {
				want = syscall.SizeofSockaddrInet6
				if n != want {
					t.Errorf("%v (v6 socket %v): length %d, want %d", ap, v6, n, want)
				}
			} else if n != want {
				t.Errorf("%v: length %d, want %d", ap, n, want)
			}
			if got := sockaddrToAddrPort(&sa); got != ap {
				t.Errorf("%v (v6 socket %v): read back %v", ap, v6, got)
			}
		}
	}
	if got := sockaddrToAddrPort(&syscall.RawSockaddrInet6{Family: syscall.AF_UNIX}); got.IsValid() {
		t.Errorf("another family read as %v", got)
	}
}

// TestBatchNoAllocs sends and receives batches on loopback sockets with
// the Linux batchConn: the datagrams arrive whole, from the right
// address, and a round trip allocates nothing (issue 18).
func TestBatchNoAllocs(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	a, err := listen(lo, true)
	if err != nil {
		t.Fatal(err)
	}
	defer a.conn.Close()
	b, err := listen(lo, true)
	if err != nil {
		t.Fatal(err)
	}
	defer b.conn.Close()
	out := []message{{buffers: [][]byte{[]byte("one")}, addr: b.local}, {buffers: [][]byte{[]byte("two!")}, addr: b.local}}
	in := []message{{buffers: [][]byte{make([]byte, 64)}}, {buffers: [][]byte{make([]byte, 64)}}}
	round := func() {
		if n, err := a.batch.writeBatch(out); n != 2 || err != nil {
			t.Fatalf("sent %d: %v", n, err)
		}
		got := 0
		for got < 2 {
			n, err := b.reader.readBatch(in[got:])
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range in[got : got+n] {
				if m.addr != a.local {
					t.Fatalf("from %v, want %v", m.addr, a.local)
				}
			}
			got += n
		}
		if !bytes.Equal(in[0].buffers[0][:in[0].n], []byte("one")) || !bytes.Equal(in[1].buffers[0][:in[1].n], []byte("two!")) {
			t.Fatalf("received %q %q", in[0].buffers[0][:in[0].n], in[1].buffers[0][:in[1].n])
		}
	}
	round()
	if allocs := testing.AllocsPerRun(100, round); allocs != 0 {
		t.Errorf("%.1f allocations per round trip, want 0", allocs)
	}
}

// TestReadBatchLazyHoldsNoBufferWhileIdle: the Linux reader gives its
// receive buffer back while the socket has nothing to read and takes one
// again when a datagram arrives, which it then reads whole (issue 18: an
// idle PeerConnection's socket does not pin a 2 KiB buffer).
func TestReadBatchLazyHoldsNoBufferWhileIdle(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	a, err := listen(lo, true)
	if err != nil {
		t.Fatal(err)
	}
	defer a.conn.Close()
	b, err := listen(lo, true)
	if err != nil {
		t.Fatal(err)
	}
	defer b.conn.Close()
	lr, ok := b.reader.(lazyReader)
	if !ok {
		t.Fatal("the Linux batchConn is not a lazyReader")
	}
	var mu sync.Mutex
	held, fills := 0, 0
	in := []message{{buffers: make([][]byte, 1)}}
	fill := func() {
		mu.Lock()
		defer mu.Unlock()
		fills++
		if in[0].buffers[0] == nil {
			in[0].buffers[0] = make([]byte, 64)
			held++
		}
	}
	empty := func() {
		mu.Lock()
		defer mu.Unlock()
		if in[0].buffers[0] != nil {
			in[0].buffers[0] = nil
			held--
		}
	}
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := lr.readBatchLazy(in, fill, empty)
		done <- result{n, err}
	}()
	// Wait until the reader tried once, found nothing and is waiting.
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		f, h := fills, held
		mu.Unlock()
		if f >= 1 && h == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("reader still holds %d buffers after %d attempts on an idle socket", h, f)
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case r := <-done:
		t.Fatalf("returned %d, %v with nothing sent", r.n, r.err)
	case <-time.After(20 * time.Millisecond):
	}
	out := []message{{buffers: [][]byte{[]byte("hello")}, addr: b.local}}
	if n, err := a.batch.writeBatch(out); n != 1 || err != nil {
		t.Fatalf("sent %d: %v", n, err)
	}
	r := <-done
	if r.err != nil || r.n != 1 {
		t.Fatalf("read %d: %v", r.n, r.err)
	}
	mu.Lock()
	defer mu.Unlock()
	if held != 1 || string(in[0].buffers[0][:in[0].n]) != "hello" || in[0].addr != a.local {
		t.Fatalf("held %d, read %q from %v", held, in[0].buffers[0][:in[0].n], in[0].addr)
	}
}
