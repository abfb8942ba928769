package sctp

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// bulk sends total bytes of ordered messages of size msg from side 0 to
// side 1 over a link with the given loss and checks they arrive
// byte-exact and in order.
func bulk(t *testing.T, seed uint64, loss float64, idata bool, total, msg int) *pair {
	t.Helper()
	cfg := Config{PeerMaxMessageSize: -1, DisableInterleaving: !idata}
	ca, cb := cfg, cfg
	ca.Rand, cb.Rand = newSeeded(seed), newSeeded(seed+1000)
	p := newPair(t, ca, cb)
	p.delay = 10 * time.Millisecond
	rng := rand.New(rand.NewPCG(seed, 7))
	p.drop = func(int, []byte) bool { return rng.Float64() < loss }
	p.keep = false
	p.connect()
	src := make([]byte, total)
	for i := range src {
		src[i] = byte(i * 7 / 3)
	}
	off, got := 0, 0
	p.onRead = func(side int, m Message) {
		if side != 1 {
			return
		}
		if !bytes.Equal(m.Data, src[got:got+len(m.Data)]) {
			t.Fatalf("seed %d: data mismatch at %d", seed, got)
		}
		got += len(m.Data)
	}
	for steps := 0; got < total; steps++ {
		for off < total {
			n := min(msg, total-off)
			if err := p.ep[0].HandleWrite(Message{Stream: 1, PPID: 53, Data: src[off : off+n]}); err != nil {
				break
			}
			off += n
		}
		if !p.step() || steps > 5_000_000 {
			t.Fatalf("seed %d loss %v: stalled at %d/%d after %v, stats %+v", seed, loss, got, total, p.now.Sub(epoch), p.ep[0].Stats())
		}
	}
	return p
}

func TestBulkLoss(t *testing.T) {
	for _, loss := range []float64{0, 0.01, 0.05, 0.2} {
		for _, idata := range []bool{false, true} {
			t.Run(fmt.Sprintf("loss%v_idata%v", loss, idata), func(t *testing.T) {
				p := bulk(t, 1, loss, idata, 1<<20, 3000)
				t.Logf("virtual %v, stats %+v", p.now.Sub(epoch), p.ep[0].Stats())
			})
		}
	}
}
