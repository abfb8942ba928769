package interceptor

import (
	"encoding/binary"
	"testing"
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// defaultConfig is the chain the PeerConnection installs: TWCC, NACK with
// RTX, reports, keyframe requests.
func defaultConfig() Config {
	return Config{TransportCCExtID: twccID, ReducedSize: true, CNAME: "bench"}
}

// step sends one packet through the sender chain and receives it on the
// receiver chain, 1 ms apart (1000 packets/s), draining both and handing
// feedback back as a PeerConnection would.
func (p *pair) step() {
	p.now = p.now.Add(time.Millisecond)
	b := p.send()
	if err := p.rcv.ReceiveRTP(p.now, b); err != nil {
		p.t.Fatal(err)
	}
	for m, ok := p.rcv.PollWrite(); ok; m, ok = p.rcv.PollWrite() {
		if err := p.snd.ReceiveRTCP(p.now, m.Message); err != nil {
			p.t.Fatal(err)
		}
		p.rcv.Release(m.Message)
	}
	for m, ok := p.snd.PollWrite(); ok; m, ok = p.snd.PollWrite() {
		p.snd.Release(m.Message)
	}
	for _, c := range []*Chain{p.snd, p.rcv} {
		if d, ok := c.PollTimeout(); ok && !d.After(p.now) {
			if err := c.HandleTimeout(p.now); err != nil {
				p.t.Fatal(err)
			}
		}
	}
}

// Hot paths allocate nothing in steady state: sending, receiving, and the
// feedback and reports they cause.
func TestZeroAllocs(t *testing.T) {
	ccfb := defaultConfig()
	ccfb.CCFB, ccfb.TransportCCExtID = true, 0
	for name, cfg := range map[string]Config{"transport-cc": defaultConfig(), "ccfb": ccfb} {
		p := newPair(t, cfg, videoStream(allFeedback|FeedbackCCFB, true))
		for i := 0; i < 5000; i++ { // warm up: buffers reach their sizes
			p.step()
		}
		if a := testing.AllocsPerRun(3000, p.step); a != 0 {
			t.Fatalf("%s: %v allocations per packet", name, a)
		}
	}
}

func BenchmarkChainSend(b *testing.B) {
	p := newPair(b, defaultConfig(), videoStream(allFeedback, true))
	for i := 0; i < 2000; i++ {
		p.step()
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(p.payload)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.now = p.now.Add(time.Millisecond)
		p.send()
		if i%64 == 0 {
			for m, ok := p.snd.PollWrite(); ok; m, ok = p.snd.PollWrite() {
				p.snd.Release(m.Message)
			}
		}
	}
}

func BenchmarkChainReceive(b *testing.B) {
	p := newPair(b, defaultConfig(), videoStream(allFeedback, true))
	for i := 0; i < 2000; i++ {
		p.step()
	}
	pkts := make([][]byte, 1024)
	exts := make([][]byte, len(pkts)) // each packet's transport-cc payload
	for i := range pkts {
		pkts[i] = append([]byte(nil), p.send()...)
		h, err := rtp.ParseHeaderView(pkts[i])
		if err != nil {
			b.Fatal(err)
		}
		exts[i] = h.Extension(twccID)
	}
	tseq := binary.BigEndian.Uint16(exts[len(exts)-1])
	// Keep the sequence numbers continuous across the loop.
	b.ReportAllocs()
	b.SetBytes(int64(len(p.payload)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.now = p.now.Add(time.Millisecond)
		pk := pkts[i%len(pkts)]
		seq := p.seq + uint16(i)
		pk[2], pk[3] = byte(seq>>8), byte(seq)
		binary.BigEndian.PutUint16(exts[i%len(pkts)], tseq+uint16(i))
		if err := p.rcv.ReceiveRTP(p.now, pk); err != nil {
			b.Fatal(err)
		}
		for m, ok := p.rcv.PollWrite(); ok; m, ok = p.rcv.PollWrite() {
			p.rcv.Release(m.Message)
		}
	}
}
