package rtc

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkDataChannelMessage sends one message a->b through SCTP, DTLS and
// the demultiplexer of both PeerConnections (datagrams moved in memory,
// SACKs back) and reads it out: the per-message cost of the stack.
func BenchmarkDataChannelMessage(b *testing.B) {
	for _, size := range []int{100, 1024} {
		b.Run(byteSize(size), func(b *testing.B) {
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
				}
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := dcs[0].Send(msg); err != nil {
					b.Fatal(err)
				}
				move(pa.pc, pb.pc)
				if _, ok := pb.pc.PollRead(); !ok {
					b.Fatal("no message")
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
