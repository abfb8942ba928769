package interceptorbench

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"

	pionintc "github.com/pion/interceptor"
	pionrtcp "github.com/pion/rtcp"
	pionrtp "github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

const (
	mediaSSRC = 0x11111111
	rtxSSRC   = 0x22222222
	twccID    = 3
	payload   = 1000
)

var start = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// ours is our default chain on both ends of one video stream.
type ours struct {
	snd, rcv *interceptor.Chain
	now      time.Time
	seq      uint16
	pkt      rtp.Packet
	payload  []byte
	buf      []byte
	in       [][]byte // received packets, with their transport-cc payloads
	inExt    [][]byte
	rseq     uint16
	rtseq    uint16
	i        int
}

func newOurs(tb testing.TB) *ours { return newOursWith(tb, twccID) }

// newOursWith builds our pair with the transport-cc extension id ext (zero:
// no transport-wide numbering, as in Pion's default send path).
func newOursWith(tb testing.TB, ext uint8) *ours {
	sc := interceptor.StreamConfig{SSRC: mediaSSRC, ClockRate: 90000, PayloadType: 96, RTXSSRC: rtxSSRC, RTXPayloadType: 97,
		Feedback: interceptor.FeedbackNACK | interceptor.FeedbackPLI | interceptor.FeedbackFIR | interceptor.FeedbackTransportCC}
	cfg := interceptor.Config{TransportCCExtID: ext, ReducedSize: true, CNAME: "bench"}
	o := &ours{now: start, payload: make([]byte, payload)}
	o.pkt = rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SSRC: mediaSSRC}, Payload: o.payload}
	var err error
	if o.snd, err = interceptor.NewChain(cfg); err != nil {
		tb.Fatal(err)
	}
	if o.rcv, err = interceptor.NewChain(cfg); err != nil {
		tb.Fatal(err)
	}
	if err := o.snd.BindLocal(sc); err != nil {
		tb.Fatal(err)
	}
	if err := o.rcv.BindRemote(sc); err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < 1024; i++ {
		b := append([]byte(nil), o.sendOne(tb)...)
		h, err := rtp.ParseHeaderView(b)
		if err != nil {
			tb.Fatal(err)
		}
		o.in = append(o.in, b)
		e := h.Extension(twccID)
		if e == nil {
			e = make([]byte, 2) // no extension: a scratch to write into
		}
		o.inExt = append(o.inExt, e)
	}
	o.rseq, o.rtseq = 5000, 7000
	for i := 0; i < 3000; i++ { // warm up: buffers reach their sizes
		o.sendOne(tb)
		o.receiveOne(tb)
	}
	return o
}

// sendOne sends one packet 1 ms after the previous one (1000 packets/s).
func (o *ours) sendOne(tb testing.TB) []byte {
	o.now = o.now.Add(time.Millisecond)
	// A packetizer reuses its packet: only the per-packet fields change.
	o.pkt.SequenceNumber, o.pkt.Timestamp = o.seq, uint32(o.seq)*3000
	o.seq++
	var err error
	if o.buf, err = o.snd.SendRTP(o.now, &o.pkt, o.buf[:0]); err != nil {
		tb.Fatal(err)
	}
	for m, ok := o.snd.PollWrite(); ok; m, ok = o.snd.PollWrite() {
		o.snd.Release(m.Message)
	}
	return o.buf
}

// receiveOne receives one packet (continuous sequence and transport-wide
// numbers) and drains the feedback and reports it causes.
func (o *ours) receiveOne(tb testing.TB) {
	o.now = o.now.Add(time.Millisecond)
	b := o.in[o.i%len(o.in)]
	binary.BigEndian.PutUint16(b[2:], o.rseq)
	binary.BigEndian.PutUint16(o.inExt[o.i%len(o.in)], o.rtseq)
	o.i++
	o.rseq++
	o.rtseq++
	if err := o.rcv.ReceiveRTP(o.now, b); err != nil {
		tb.Fatal(err)
	}
	for m, ok := o.rcv.PollWrite(); ok; m, ok = o.rcv.PollWrite() {
		o.rcv.Release(m.Message)
	}
}

// pion is Pion's default interceptors on both ends of the same stream.
type pion struct {
	snd, rcv pionintc.Interceptor
	w        pionintc.RTPWriter
	r        pionintc.RTPReader
	hdr      pionrtp.Header
	payload  []byte
	in       [][]byte
	cur      []byte
	rseq     uint16
	rtseq    uint16
	i        int
	buf      []byte
}

func newPion(tb testing.TB) *pion {
	build := func() pionintc.Interceptor {
		me := &webrtc.MediaEngine{}
		if err := me.RegisterDefaultCodecs(); err != nil {
			tb.Fatal(err)
		}
		reg := &pionintc.Registry{}
		if err := webrtc.RegisterDefaultInterceptors(me, reg); err != nil {
			tb.Fatal(err)
		}
		i, err := reg.Build("")
		if err != nil {
			tb.Fatal(err)
		}
		i.BindRTCPWriter(pionintc.RTCPWriterFunc(func([]pionrtcp.Packet, pionintc.Attributes) (int, error) { return 0, nil }))
		return i
	}
	info := &pionintc.StreamInfo{
		SSRC: mediaSSRC, SSRCRetransmission: rtxSSRC, PayloadType: 96, PayloadTypeRetransmission: 97,
		MimeType: "video/VP8", ClockRate: 90000,
		RTPHeaderExtensions: []pionintc.RTPHeaderExtension{{URI: sdp.TransportCCURI, ID: twccID}},
		RTCPFeedback:        []pionintc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}, {Type: "transport-cc"}},
	}
	p := &pion{snd: build(), rcv: build(), payload: make([]byte, payload), buf: make([]byte, 1500)}
	p.w = p.snd.BindLocalStream(info, pionintc.RTPWriterFunc(func(h *pionrtp.Header, pl []byte, _ pionintc.Attributes) (int, error) {
		return len(pl), nil
	}))
	p.r = p.rcv.BindRemoteStream(info, pionintc.RTPReaderFunc(func(b []byte, a pionintc.Attributes) (int, pionintc.Attributes, error) {
		return copy(b, p.cur), a, nil
	}))
	for i := 0; i < 1024; i++ {
		h := pionrtp.Header{Version: 2, PayloadType: 96, SequenceNumber: uint16(i), Timestamp: uint32(i) * 3000, SSRC: mediaSSRC}
		var ext [2]byte
		if err := h.SetExtension(twccID, ext[:]); err != nil {
			tb.Fatal(err)
		}
		b, err := (&pionrtp.Packet{Header: h, Payload: p.payload}).Marshal()
		if err != nil {
			tb.Fatal(err)
		}
		p.in = append(p.in, b)
	}
	p.rseq, p.rtseq = 5000, 7000
	for i := 0; i < 3000; i++ {
		p.sendOne(tb)
		p.receiveOne(tb)
	}
	return p
}

func (p *pion) close() {
	_ = p.snd.Close() //nolint:errcheck // a benchmark peer's shutdown
	_ = p.rcv.Close() //nolint:errcheck
}

func (p *pion) sendOne(tb testing.TB) {
	p.hdr.Version, p.hdr.PayloadType, p.hdr.SSRC = 2, 96, mediaSSRC
	p.hdr.SequenceNumber++
	p.hdr.Timestamp += 3000
	if _, err := p.w.Write(&p.hdr, p.payload, nil); err != nil {
		tb.Fatal(err)
	}
}

func (p *pion) receiveOne(tb testing.TB) {
	b := p.in[p.i%len(p.in)]
	p.i++
	binary.BigEndian.PutUint16(b[2:], p.rseq)
	// The one-byte extension element sits after the fixed header and the
	// 4-octet extension header: ID/len octet, then the payload.
	binary.BigEndian.PutUint16(b[12+4+1:], p.rtseq)
	p.rseq++
	p.rtseq++
	p.cur = b
	if _, _, err := p.r.Read(p.buf, nil); err != nil {
		tb.Fatal(err)
	}
}

func BenchmarkSend(b *testing.B) {
	b.Run("ours", func(b *testing.B) {
		o := newOurs(b)
		b.ReportAllocs()
		for b.Loop() {
			o.sendOne(b)
		}
	})
	b.Run("pion", func(b *testing.B) {
		p := newPion(b)
		defer p.close()
		b.ReportAllocs()
		for b.Loop() {
			p.sendOne(b)
		}
	})
}

func BenchmarkReceive(b *testing.B) {
	b.Run("ours", func(b *testing.B) {
		o := newOurs(b)
		b.ReportAllocs()
		for b.Loop() {
			o.receiveOne(b)
		}
	})
	b.Run("pion", func(b *testing.B) {
		p := newPion(b)
		defer p.close()
		b.ReportAllocs()
		for b.Loop() {
			p.receiveOne(b)
		}
	})
}

// BenchmarkSpeedup runs ours and Pion in alternating batches of 16 packets
// and reports the median over batch pairs of time(Pion)/time(ours) as
// "x-vs-pion". Pairing cancels most of the noise of a shared machine.
func BenchmarkSpeedup(b *testing.B) {
	const batch = 16
	paired := func(b *testing.B, ours, pion func()) {
		var r, to, tp []float64
		for b.Loop() {
			t0 := time.Now()
			for i := 0; i < batch; i++ {
				ours()
			}
			t1 := time.Now()
			for i := 0; i < batch; i++ {
				pion()
			}
			t2 := time.Now()
			if d := t1.Sub(t0); d > 0 {
				r = append(r, float64(t2.Sub(t1))/float64(d))
				to = append(to, float64(d)/batch)
				tp = append(tp, float64(t2.Sub(t1))/batch)
			}
		}
		if len(r) > 0 {
			for _, s := range [][]float64{r, to, tp} {
				slices.Sort(s)
			}
			b.ReportMetric(r[len(r)/2], "x-vs-pion")
			b.ReportMetric(to[len(to)/2], "ours-ns/pkt")
			b.ReportMetric(tp[len(tp)/2], "pion-ns/pkt")
		}
	}
	o, p := newOurs(b), newPion(b)
	defer p.close()
	b.Run("Send", func(b *testing.B) { paired(b, func() { o.sendOne(b) }, func() { p.sendOne(b) }) })
	b.Run("Receive", func(b *testing.B) { paired(b, func() { o.receiveOne(b) }, func() { p.receiveOne(b) }) })
	// Pion's default set does not number outgoing packets (its TWCC
	// header extension interceptor is not in RegisterDefaultInterceptors);
	// the same work on our side is the chain without transport-cc.
	o2 := newOursWith(b, 0)
	b.Run("SendSameWork", func(b *testing.B) { paired(b, func() { o2.sendOne(b) }, func() { p.sendOne(b) }) })
}

// TestPionReceivesOurExtension checks that the benchmark's Pion receive
// path really sees the transport-wide sequence number where we write it.
func TestPionPacketLayout(t *testing.T) {
	p := newPion(t)
	defer p.close()
	var pk pionrtp.Packet
	if err := pk.Unmarshal(p.in[0]); err != nil {
		t.Fatal(err)
	}
	if got := binary.BigEndian.Uint16(pk.GetExtension(twccID)); got != binary.BigEndian.Uint16(p.in[0][17:]) {
		t.Fatalf("extension at the wrong offset: %d", got)
	}
}
