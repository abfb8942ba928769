package driver

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestFlushSegmentation sends runs of datagrams of mixed sizes and peers
// with and without segmentation offload: every datagram arrives whole, in
// order, exactly as queued.
func TestFlushSegmentation(t *testing.T) {
	for _, noGSO := range []bool{false, true} {
		t.Run(fmt.Sprintf("noGSO=%v", noGSO), func(t *testing.T) {
			s, err := listen(loopback[0], noGSO)
			if err != nil {
				t.Fatal(err)
			}
			defer s.conn.Close()
			if !noGSO && !s.gso {
				t.Log("kernel without UDP_SEGMENT: testing the plain path")
			}
			var peers [2]*net.UDPConn
			for i := range peers {
				c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				peers[i] = c
			}
			to := func(i int) netip.AddrPort { return peers[i].LocalAddr().(*net.UDPAddr).AddrPort() }
			// Runs that group (equal sizes, a shorter last one), runs that
			// must split (a longer datagram after a shorter one, another
			// peer), more than one batch of segments, an empty datagram.
			var sizes []int
			var dst []int
			add := func(peer int, ns ...int) {
				for _, n := range ns {
					sizes, dst = append(sizes, n), append(dst, peer)
				}
			}
			for range 70 {
				add(0, 1150)
			}
			add(0, 300, 1150, 1150, 90)
			add(1, 1150, 1150)
			add(0, 1150, 0, 5, 5, 5)
			for range 60 {
				add(1, 1000)
			}
			add(1, 1200)
			var want [2][][]byte
			released := 0
			for i, n := range sizes {
				b := make([]byte, n)
				for j := range b {
					b[j] = byte(i + j)
				}
				s.queue(to(dst[i]), b, func([]byte) { released++ })
				want[dst[i]] = append(want[dst[i]], b)
			}
			if err := s.flush(); err != nil {
				t.Fatal(err)
			}
			if released != len(sizes) {
				t.Errorf("%d datagrams handed back, want %d", released, len(sizes))
			}
			if len(s.pend) != 0 {
				t.Fatalf("%d datagrams left queued", len(s.pend))
			}
			buf := make([]byte, 65536)
			for p, c := range peers {
				for i, w := range want[p] {
					_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
					n, _, err := c.ReadFromUDPAddrPort(buf)
					if err != nil {
						t.Fatalf("peer %d datagram %d: %v", p, i, err)
					}
					if !bytes.Equal(buf[:n], w) {
						t.Fatalf("peer %d datagram %d: got %d bytes, want %d", p, i, n, len(w))
					}
				}
			}
		})
	}
}

// failingBatch refuses segmented messages the way a device without
// checksum offload does (EIO) and counts what it sent.
type failingBatch struct {
	sent  [][]byte
	calls int
}

func (f *failingBatch) readBatch([]message) (int, error) { return 0, nil }
func (f *failingBatch) another() batchConn               { return f }

func (f *failingBatch) writeBatch(ms []message) (int, error) {
	f.calls++
	for i, m := range ms {
		if len(m.oob) > 0 || len(m.buffers) > 1 {
			return i, &net.OpError{Op: "write", Err: os.NewSyscallError("sendmmsg", syscall.EIO)}
		}
		f.sent = append(f.sent, m.buffers[0])
	}
	return len(ms), nil
}

// TestFlushSegmentationFallback: when the kernel refuses a segmented
// message, the socket turns segmentation off and sends every datagram on
// its own, none lost.
func TestFlushSegmentationFallback(t *testing.T) {
	f := &failingBatch{}
	s := &writer{batch: f, gso: true}
	to := netip.MustParseAddrPort("127.0.0.1:9")
	for i := range 10 {
		s.queue(to, bytes.Repeat([]byte{byte(i)}, 100), nil)
	}
	if err := s.flush(); err != nil {
		t.Fatal(err)
	}
	if s.gso {
		t.Error("segmentation still on")
	}
	if len(f.sent) != 10 {
		t.Fatalf("sent %d datagrams, want 10", len(f.sent))
	}
	for i, b := range f.sent {
		if b[0] != byte(i) {
			t.Fatalf("datagram %d out of order", i)
		}
	}
}

// TestFlushSkipsFailedDatagram: an error that is not about segmentation
// skips the datagram it concerns (the protocols retransmit) and is
// returned; the rest is sent.
func TestFlushSkipsFailedDatagram(t *testing.T) {
	f := &refusingBatch{}
	s := &writer{batch: f}
	to := netip.MustParseAddrPort("127.0.0.1:9")
	for i := range 5 {
		s.queue(to, []byte{byte(i)}, nil)
	}
	if err := s.flush(); err == nil {
		t.Fatal("no error")
	}
	if len(f.sent) != 4 || f.sent[0][0] != 0 || f.sent[1][0] != 1 || f.sent[2][0] != 3 {
		t.Fatalf("sent %v", f.sent)
	}
}

// refusingBatch fails the third datagram it is given.
type refusingBatch struct{ sent [][]byte }

func (f *refusingBatch) readBatch([]message) (int, error) { return 0, nil }
func (f *refusingBatch) another() batchConn               { return f }

func (f *refusingBatch) writeBatch(ms []message) (int, error) {
	for i, m := range ms {
		if m.buffers[0][0] == 2 {
			m.buffers[0][0] = 0xff // fail once
			return i, syscall.EHOSTUNREACH
		}
		f.sent = append(f.sent, m.buffers[0])
	}
	return len(ms), nil
}
