package interceptor

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

var (
	sndAddr = netip.MustParseAddrPort("192.0.2.1:5000")
	rcvAddr = netip.MustParseAddrPort("198.51.100.1:6000")
)

// mediaEndpoint puts a chain on the simulated network: it sends a video
// stream (if count > 0) at a fixed packet rate and carries the chain's RTCP
// and retransmissions.
type mediaEndpoint struct {
	t        *testing.T
	chain    *Chain
	local    netip.AddrPort
	peer     netip.AddrPort
	count    int // packets left to send
	interval time.Duration
	next     time.Time
	seq      uint16
	pkt      rtp.Packet
	payload  []byte
	queue    [][]byte
	hv       rtp.HeaderView

	// On the receiving end: which original sequence numbers arrived, and
	// how.
	original  map[uint16]bool
	recovered map[uint16]bool
}

func (e *mediaEndpoint) HandleRead(m shared.TaggedBytes) error {
	if !rtp.IsRTCP(m.Message) && e.original != nil {
		if err := e.hv.Unmarshal(m.Message); err == nil {
			switch e.hv.SSRC {
			case mediaSSRC:
				e.original[e.hv.SequenceNumber] = true
			case rtxSSRC:
				if pl := m.Message[e.hv.HeaderSize:e.hv.PayloadEnd]; len(pl) >= 2 {
					e.recovered[binary.BigEndian.Uint16(pl)] = true
				}
			}
		}
	}
	return e.chain.HandleRead(m)
}

func (e *mediaEndpoint) PollWrite() (shared.TaggedBytes, bool) {
	tc := shared.TransportContext{Local: e.local, Peer: e.peer}
	if len(e.queue) > 0 {
		b := e.queue[0]
		e.queue = e.queue[1:]
		return shared.TaggedBytes{Now: e.next, Transport: tc, Message: b}, true
	}
	m, ok := e.chain.PollWrite()
	if !ok {
		return m, false
	}
	m.Transport = tc
	return m, true // the network keeps the bytes: not released
}

func (e *mediaEndpoint) HandleTimeout(now time.Time) error {
	for e.count > 0 && !now.Before(e.next) {
		e.pkt = rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: e.seq, Timestamp: uint32(e.seq) * 3000, SSRC: mediaSSRC}, Payload: e.payload}
		b, err := e.chain.SendRTP(now, &e.pkt, nil)
		if err != nil {
			return err
		}
		e.queue = append(e.queue, b)
		e.seq++
		e.count--
		e.next = e.next.Add(e.interval)
	}
	return e.chain.HandleTimeout(now)
}

func (e *mediaEndpoint) PollTimeout() (time.Time, bool) {
	d, ok := e.chain.PollTimeout()
	if e.count > 0 && (!ok || e.next.Before(d)) {
		return e.next, true
	}
	return d, ok
}

// Issue 14 scenario 3 (the NACK/RTX part): 5% random loss both ways at
// 50 ms RTT; NACK over RTX recovers at least 99% of the lost packets.
func TestNetsimNACKRecovery(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		lost, recovered := runLossScenario(t, seed, 20000)
		ratio := float64(recovered) / float64(lost)
		t.Logf("seed %d: %d of %d lost packets recovered (%.2f%%)", seed, recovered, lost, 100*ratio)
		if lost < 800 || ratio < 0.99 {
			t.Fatalf("seed %d: recovered %d of %d lost (%.2f%%), want >= 99%%", seed, recovered, lost, 100*ratio)
		}
	}
}

// Gilbert burst loss (mean burst 4 packets, 5% overall, both ways) with
// 20 ms of jitter at 50 ms RTT: bursts cost whole NACK pairs and RTX in a
// row, and still nearly everything is recovered.
func TestNetsimNACKRecoveryBurst(t *testing.T) {
	link := netsim.LinkConfig{Delay: 25 * time.Millisecond, Jitter: 20 * time.Millisecond, Burst: netsim.BurstLoss{P: 0.25 * 0.05 / 0.95, R: 0.25}}
	for _, seed := range []uint64{1, 2} {
		lost, recovered := runLinkScenario(t, seed, 20000, link)
		ratio := float64(recovered) / float64(lost)
		t.Logf("seed %d: %d of %d lost packets recovered (%.2f%%)", seed, recovered, lost, 100*ratio)
		if lost < 500 || ratio < 0.99 {
			t.Fatalf("seed %d: recovered %d of %d lost (%.2f%%), want >= 99%%", seed, recovered, lost, 100*ratio)
		}
	}
}

func runLossScenario(t *testing.T, seed uint64, packets int) (lost, recovered int) {
	return runLinkScenario(t, seed, packets, netsim.LinkConfig{Delay: 25 * time.Millisecond, Loss: 0.05})
}

func runLinkScenario(t *testing.T, seed uint64, packets int, link netsim.LinkConfig) (lost, recovered int) {
	sim := netsim.New(netsim.Config{Seed: seed, TraceLimit: -1})
	cfg := Config{TransportCCExtID: twccID, ReducedSize: true, Rand: netsim.NewRand(seed, "snd")}
	snd, err := NewChain(cfg)
	mustNoErr(t, err)
	cfg.Rand = netsim.NewRand(seed, "rcv")
	rcv, err := NewChain(cfg)
	mustNoErr(t, err)
	sc := videoStream(allFeedback, true)
	mustNoErr(t, snd.BindLocal(sc))
	mustNoErr(t, rcv.BindRemote(sc))
	a := &mediaEndpoint{t: t, chain: snd, local: sndAddr, peer: rcvAddr, count: packets, interval: 2 * time.Millisecond, next: sim.Now(), payload: make([]byte, 1000)}
	b := &mediaEndpoint{t: t, chain: rcv, local: rcvAddr, peer: sndAddr, original: map[uint16]bool{}, recovered: map[uint16]bool{}}
	sim.Add(a, sndAddr)
	sim.Add(b, rcvAddr)
	sim.SetDefaultLink(link)
	// Send for packets*2ms, then leave a second for the last recoveries.
	if err := sim.RunFor(time.Duration(packets)*a.interval+time.Second, 50*packets); err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	// The rest of the chain ran too: RTT from SR/RR (25 ms each way) and
	// transport-wide feedback.
	if rtt := snd.RTT(); rtt < 2*link.Delay || rtt > 2*(link.Delay+link.Jitter)+10*time.Millisecond {
		t.Errorf("seed %d: sender RTT %v, want 50 ms", seed, rtt)
	}
	if st := snd.Stats().TWCCSender; st.Feedbacks == 0 || st.Received < uint64(packets)*9/10 {
		t.Errorf("seed %d: transport-cc feedback %+v", seed, st)
	}
	for s := 0; s < packets; s++ {
		seq := uint16(s)
		if !b.original[seq] {
			lost++
			if b.recovered[seq] {
				recovered++
			}
		}
	}
	return lost, recovered
}
