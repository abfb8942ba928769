package rtc

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkDataChannelMessage sends messages a->b through SCTP, DTLS and
// the demultiplexer of both PeerConnections (datagrams moved in memory and
// handed back with ReleaseWrite, as the driver does; SACKs back) and reads
// them out: the per-message cost of the stack. "x10" sends ten messages
// per flight, as an application sending in bursts does: they share
// packets, records and SACKs.
func BenchmarkDataChannelMessage(b *testing.B) {
	for _, c := range []struct{ size, burst int }{{100, 1}, {1024, 1}, {100, 10}} {
		size, burst := c.size, c.burst
		name := byteSize(size)
		if burst > 1 {
			name += "x" + strconv.Itoa(burst)
		}
		b.Run(name, func(b *testing.B) {
			sim, pa, pb, dcs := connectedPair(b, 31, 1, Configuration{}, Configuration{})
			// Let everything in flight land (the DCEP ACK, SACKs), then move
			// datagrams by hand.
			if err := sim.RunFor(time.Second, 10000); err != nil {
				b.Fatal(err)
			}
			msg := make([]byte, size)
			now := sim.Now()
			move := func(from, to *PeerConnection) {
				for {
					dg, ok := from.PollWrite()
					if !ok {
						return
					}
					dg.Now, dg.Transport = now, dg.Transport.Reverse()
					if err := to.HandleRead(dg); err != nil {
						b.Fatal(err)
					}
					from.ReleaseWrite(dg.Message)
				}
			}
			b.SetBytes(int64(size * burst))
			b.ReportAllocs()
			for b.Loop() {
				for range burst {
					if err := dcs[0].Send(msg); err != nil {
						b.Fatal(err)
					}
				}
				move(pa.pc, pb.pc)
				for range burst {
					m, ok := pb.pc.PollRead()
					if !ok {
						b.Fatal("no message")
					}
					pb.pc.ReleaseRead(m)
				}
				move(pb.pc, pa.pc)
				for {
					if _, ok := pa.pc.PollEvent(); !ok {
						break
					}
				}
			}
		})
	}
}

func byteSize(n int) string {
	if n >= 1024 {
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}
