package srtp

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// fuzzState renders the receive state that a rejected packet must not touch.
func fuzzState(c *Context) string {
	s := fmt.Sprint(len(c.rx))
	for _, ssrc := range slices.Sorted(maps.Keys(c.rx)) {
		st := c.rx[ssrc]
		s += fmt.Sprintf(" %d:%d/%d/%v", ssrc, st.roc, st.lastSeq, st.started)
		for _, p := range []uint64{0, 1, 5, 99, 100, 101, 1 << 16, 1<<16 + 100} {
			s += fmt.Sprintf("%v%v", st.rtpWin.Check(p), st.rtcpWin.Check(p))
		}
	}
	return s
}

// FuzzUnprotect feeds random bytes to UnprotectRTP and UnprotectRTCP of every
// profile: nothing may panic, and a rejected packet must leave the state as
// it was. The corpus holds genuine packets, so mutations near valid ones
// are explored.
func FuzzUnprotect(f *testing.F) {
	for _, p := range Profiles() {
		tx, _ := newPair(f, Config{Profile: p, MKI: []byte{1}})
		a, err := tx.AppendProtectRTP(nil, rtpPacket(100, 7, 40))
		if err != nil {
			f.Fatal(err)
		}
		b, err := tx.AppendProtectRTCP(nil, rtcpPacket(7))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(0), a)
		f.Add(uint8(1), b)
	}
	f.Add(uint8(0), []byte{0x80})
	f.Add(uint8(1), []byte{})
	ctxs := make([]*Context, 0, 2*len(Profiles()))
	for _, p := range Profiles() {
		for _, mki := range [][]byte{nil, {1}} {
			tx, rx := newPair(f, Config{Profile: p, MKI: mki})
			for seq := uint16(95); seq <= 100; seq++ {
				pkt, err := tx.AppendProtectRTP(nil, rtpPacket(seq, 7, 40))
				if err != nil {
					f.Fatal(err)
				}
				if _, err := rx.AppendUnprotectRTP(nil, pkt); err != nil {
					f.Fatal(err)
				}
			}
			ctxs = append(ctxs, rx)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		c := ctxs[int(which>>1)%len(ctxs)]
		before := fuzzState(c)
		buf := append([]byte(nil), data...)
		var err error
		if which&1 == 0 {
			_, err = c.UnprotectRTP(buf)
		} else {
			_, err = c.UnprotectRTCP(buf)
		}
		if err != nil {
			if after := fuzzState(c); after != before {
				t.Fatalf("rejected packet (%v) changed state:\n%s\n%s", err, before, after)
			}
		}
	})
}

// TestGarbage injects random and bit-flipped packets through every
// profile's UnprotectRTP and UnprotectRTCP: no panic, every one rejected
// and counted, state unchanged.
func TestGarbage(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, p := range Profiles() {
		tx, rx := newPair(t, Config{Profile: p})
		good, err := tx.AppendProtectRTP(nil, rtpPacket(5, 7, 60))
		if err != nil {
			t.Fatal(err)
		}
		goodRTCP, err := tx.AppendProtectRTCP(nil, rtcpPacket(7))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rx.AppendUnprotectRTP(nil, good); err != nil {
			t.Fatal(err)
		}
		before := fuzzState(rx)
		for i := 0; i < 2000; i++ {
			var b []byte
			switch i % 3 {
			case 0:
				b = make([]byte, r.IntN(100))
				for j := range b {
					b[j] = byte(r.Uint32())
				}
			case 1:
				b = append([]byte(nil), good...)
				b[r.IntN(len(b))] ^= byte(1 << r.IntN(8))
			default:
				b = append([]byte(nil), goodRTCP...)
				b[r.IntN(len(b))] ^= byte(1 << r.IntN(8))
			}
			var err error
			if i%3 == 2 {
				_, err = rx.UnprotectRTCP(b)
			} else {
				_, err = rx.UnprotectRTP(b)
			}
			if err == nil {
				t.Fatalf("%v: garbage %d accepted", p, i)
			}
		}
		if after := fuzzState(rx); after != before {
			t.Fatalf("%v: state changed", p)
		}
		st := rx.Stats()
		if st.AuthFailures+st.Replays+st.TooShort+st.SSRCLimit+st.UnknownMKI != 2000 {
			t.Fatalf("%v: stats %+v", p, st)
		}
	}
}
