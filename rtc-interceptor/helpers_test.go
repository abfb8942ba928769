package interceptor

import (
	"bytes"
	"errors"
	"testing"
	"time"

	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

var t0 = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

const (
	mediaSSRC = 0x11111111
	rtxSSRC   = 0x22222222
	twccID    = 3
)

// seededRand is a deterministic Rand for tests.
type seededRand struct{ x uint64 }

func (r *seededRand) Read(b []byte) (int, error) {
	for i := range b {
		r.x = r.x*6364136223846793005 + 1442695040888963407
		b[i] = byte(r.x >> 56)
	}
	return len(b), nil
}

func videoStream(fb Feedback, rtx bool) StreamConfig {
	sc := StreamConfig{SSRC: mediaSSRC, ClockRate: 90000, PayloadType: 96, Feedback: fb}
	if rtx {
		sc.RTXSSRC, sc.RTXPayloadType = rtxSSRC, 97
	}
	return sc
}

const allFeedback = FeedbackNACK | FeedbackPLI | FeedbackFIR | FeedbackTransportCC | FeedbackREMB

// pair is a sender chain and a receiver chain with one video stream, wired
// by hand (no network): tests decide what reaches the other side.
type pair struct {
	t        testing.TB
	now      time.Time
	snd, rcv *Chain
	seq      uint16
	ts       uint32
	pkt      rtp.Packet
	payload  []byte
	buf      []byte
}

func newPair(t testing.TB, cfg Config, sc StreamConfig) *pair {
	t.Helper()
	cfg.Rand = &seededRand{x: 1}
	snd, err := NewChain(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Rand = &seededRand{x: 2}
	rcv, err := NewChain(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := snd.BindLocal(sc); err != nil {
		t.Fatal(err)
	}
	if err := rcv.BindRemote(sc); err != nil {
		t.Fatal(err)
	}
	return &pair{t: t, now: t0, snd: snd, rcv: rcv, seq: 1000, ts: 5000, payload: bytes.Repeat([]byte{0xAB}, 1000)}
}

// send makes the sender send the next packet and returns its bytes (valid
// until the next send).
func (p *pair) send() []byte {
	p.pkt = rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: p.seq, Timestamp: p.ts, SSRC: mediaSSRC}, Payload: p.payload}
	p.seq++
	p.ts += 3000
	var err error
	p.buf, err = p.snd.SendRTP(p.now, &p.pkt, p.buf[:0])
	if err != nil {
		p.t.Fatalf("SendRTP: %v", err)
	}
	return p.buf
}

func (p *pair) receive(b []byte) {
	p.t.Helper()
	if err := p.rcv.ReceiveRTP(p.now, b); err != nil {
		p.t.Fatalf("ReceiveRTP: %v", err)
	}
}

// drain returns every output of c, copied.
func drain(t testing.TB, c *Chain) [][]byte {
	t.Helper()
	var out [][]byte
	for {
		m, ok := c.PollWrite()
		if !ok {
			return out
		}
		out = append(out, append([]byte(nil), m.Message...))
		c.Release(m.Message)
	}
}

// deliver hands every output of from to to (RTCP or RTP) and returns how
// many there were.
func deliver(t testing.TB, now time.Time, from, to *Chain) int {
	t.Helper()
	out := drain(t, from)
	for _, b := range out {
		var err error
		if rtp.IsRTCP(b) {
			err = to.ReceiveRTCP(now, b)
		} else {
			err = to.ReceiveRTP(now, b)
		}
		if err != nil {
			t.Fatalf("deliver: %v", err)
		}
	}
	return len(out)
}

// rtcpOf decodes compound packets into freshly allocated values.
func rtcpOf(t testing.TB, bufs [][]byte) []rtcp.Packet {
	t.Helper()
	var all []rtcp.Packet
	for _, b := range bufs {
		if !rtp.IsRTCP(b) {
			continue
		}
		ps, err := rtcp.Unmarshal(b)
		if err != nil {
			t.Fatalf("unmarshal RTCP %x: %v", b, err)
		}
		all = append(all, ps...)
	}
	return all
}

func mustNoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}
