// Package sctp compares rtc-sctp with Pion's sctp package: raw association
// throughput in one process (no DTLS), for 1 KiB, 16 KiB and 256 KiB
// messages, in the same run so the ratios are meaningful on a noisy
// machine. One benchmark op is one message sent and received.
//
//	go test -bench . -benchmem -count 5
//
// Reported metrics: MB/s (wall clock), cpu-ms/MB (user+system CPU time of
// the process per MB, both ends included) and allocs/op (both ends).
package sctp

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/pion/logging"
	pion "github.com/pion/sctp"
	ours "github.com/sansrtc/rtc/rtc-sctp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/tools/internal/benchutil"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

var sizes = []int{1 << 10, 16 << 10, 256 << 10}

func reportCPU(b *testing.B, start time.Duration, size int) {
	mb := float64(b.N) * float64(size) / 1e6
	b.ReportMetric(float64(benchutil.ProcessCPU()-start)/1e6/mb, "cpu-ms/MB")
}

// BenchmarkOurs pumps two rtc-sctp associations in one goroutine, moving
// packets with AppendPacket (no copies beyond the protocol's own).
func BenchmarkOurs(b *testing.B) {
	for _, size := range sizes {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			cfg := ours.Config{PeerMaxMessageSize: -1, ReceiveBufferSize: 4 << 20, SendBufferSize: 8 << 20, MTU: 1200}
			var ep [2]*ours.Association
			for i := range ep {
				c := cfg
				a, err := ours.New(c)
				if err != nil {
					b.Fatal(err)
				}
				ep[i] = a
			}
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			if err := ep[0].Connect(now); err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 0, 4096)
			got := 0
			pump := func() {
				for moved := true; moved; {
					moved = false
					for i := range ep {
						for {
							p, ok := ep[i].AppendPacket(buf[:0])
							if !ok {
								break
							}
							moved = true
							if err := ep[1-i].HandleRead(shared.TaggedBytes{Now: now, Message: p}); err != nil {
								b.Fatal(err)
							}
						}
					}
					for m, ok := ep[1].PollRead(); ok; m, ok = ep[1].PollRead() {
						got += len(m.Data)
						moved = true
					}
				}
				for _, ok := ep[0].PollEvent(); ok; _, ok = ep[0].PollEvent() {
				}
			}
			pump()
			if ep[0].State() != ours.StateEstablished {
				b.Fatal("not established")
			}
			msg := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := benchutil.ProcessCPU()
			for range b.N {
				for ep[0].HandleWrite(ours.Message{Stream: 1, PPID: 53, Data: msg}) != nil {
					pump()
				}
				if ep[0].BufferedAmountTotal() > 1<<20 {
					pump()
				}
			}
			pump()
			b.StopTimer()
			reportCPU(b, cpu, size)
			if got != b.N*size {
				b.Fatalf("got %d bytes, want %d", got, b.N*size)
			}
		})
	}
}

// BenchmarkPion runs two Pion associations over the same kind of
// in-memory link; Pion's own goroutines do the work.
func BenchmarkPion(b *testing.B) {
	for _, size := range sizes {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			lf := logging.NewDefaultLoggerFactory()
			lf.DefaultLogLevel = logging.LogLevelError
			c1, c2 := peers.MemPipe(8192)
			defer c1.Close()
			opts := func(c net.Conn) []pion.AssociationOption {
				return []pion.AssociationOption{pion.WithNetConn(c), pion.WithLoggerFactory(lf),
					pion.WithMaxMessageSize(1 << 20), pion.WithMaxReceiveBufferSize(4 << 20), pion.WithMTU(1200)}
			}
			srvc := make(chan *pion.Association, 1)
			go func() {
				o := opts(c2)
				so := make([]pion.ServerOption, len(o))
				for i := range o {
					so[i] = o[i]
				}
				s, err := pion.ServerWithOptions(so...)
				if err != nil {
					panic(err)
				}
				srvc <- s
			}()
			o := opts(c1)
			co := make([]pion.ClientOption, len(o))
			for i := range o {
				co[i] = o[i]
			}
			cli, err := pion.ClientWithOptions(co...)
			if err != nil {
				b.Fatal(err)
			}
			srv := <-srvc
			defer cli.Close()
			defer srv.Close()
			st, err := cli.OpenStream(1, pion.PayloadTypeWebRTCBinary)
			if err != nil {
				b.Fatal(err)
			}
			low := make(chan struct{}, 1)
			st.SetBufferedAmountLowThreshold(512 << 10)
			st.OnBufferedAmountLow(func() {
				select {
				case low <- struct{}{}:
				default:
				}
			})
			// Open the stream on the server side with a first message.
			if _, err := st.WriteSCTP([]byte{0}, pion.PayloadTypeWebRTCBinary); err != nil {
				b.Fatal(err)
			}
			rs, err := srv.AcceptStream()
			if err != nil {
				b.Fatal(err)
			}
			rbuf := make([]byte, 2<<20)
			if _, _, err := rs.ReadSCTP(rbuf); err != nil {
				b.Fatal(err)
			}
			want := b.N * size
			done := make(chan int)
			go func() {
				got := 0
				for got < want {
					n, _, err := rs.ReadSCTP(rbuf)
					if err != nil {
						break
					}
					got += n
				}
				done <- got
			}()
			msg := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := benchutil.ProcessCPU()
			for range b.N {
				for st.BufferedAmount() > 1<<20 {
					select {
					case <-low:
					case <-time.After(10 * time.Millisecond):
					}
				}
				if _, err := st.WriteSCTP(msg, pion.PayloadTypeWebRTCBinary); err != nil {
					b.Fatal(err)
				}
			}
			got := <-done
			b.StopTimer()
			reportCPU(b, cpu, size)
			if got != want {
				b.Fatalf("got %d bytes, want %d", got, want)
			}
		})
	}
}
