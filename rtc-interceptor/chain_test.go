package interceptor

import (
	"testing"
	"time"

	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
)

// RFC 4585 §6.2.1 and RFC 4588 §4: lost packets are asked for with a
// Generic NACK and come back over RTX, restored to their original sequence
// numbers.
func TestNACKRecoversOverRTX(t *testing.T) {
	p := newPair(t, Config{TransportCCExtID: twccID, ReducedSize: true}, videoStream(allFeedback, true))
	drop := map[int]bool{10: true, 11: true, 50: true}
	for i := 0; i < 100; i++ {
		b := p.send()
		if !drop[i] {
			p.receive(b)
		}
		p.now = p.now.Add(5 * time.Millisecond)
		if n := deliver(t, p.now, p.rcv, p.snd); n > 0 {
			p.now = p.now.Add(10 * time.Millisecond)
			deliver(t, p.now, p.snd, p.rcv)
		}
	}
	rs, _ := p.rcv.RemoteStats(mediaSSRC)
	if rs.NACK.Missing != 3 || rs.NACK.Recovered != 3 || rs.Lost != 0 {
		t.Fatalf("receiver: %+v lost %d, want 3 missing, 3 recovered, 0 lost", rs.NACK, rs.Lost)
	}
	if rs.Receive.Retransmitted != 3 {
		t.Fatalf("retransmitted received = %d, want 3", rs.Receive.Retransmitted)
	}
	ls, _ := p.snd.LocalStats(mediaSSRC)
	if ls.NACK.Retransmitted != 3 || ls.NACKsReceived != 2 {
		t.Fatalf("sender: %+v, NACKs %d; want 3 retransmitted after 2 NACKs", ls.NACK, ls.NACKsReceived)
	}
}

// Without RTX the packet is resent in-band, byte for byte except for its
// new transport-wide sequence number.
func TestNACKInBand(t *testing.T) {
	p := newPair(t, Config{ReducedSize: true}, videoStream(FeedbackNACK, false))
	var lostCopy []byte
	for i := 0; i < 5; i++ {
		b := p.send()
		if i == 2 {
			lostCopy = append([]byte(nil), b...)
			continue
		}
		p.receive(b)
	}
	nacks := drain(t, p.rcv)
	pk := rtcpOf(t, nacks)
	if len(pk) != 1 {
		t.Fatalf("got %d RTCP packets, want one NACK", len(pk))
	}
	n, ok := pk[0].(*rtcp.NACK)
	if !ok || n.MediaSSRC != mediaSSRC || len(n.Lost(nil)) != 1 || n.Lost(nil)[0] != 1002 {
		t.Fatalf("got %#v, want a NACK for 1002", pk[0])
	}
	mustNoErr(t, p.snd.ReceiveRTCP(p.now, nacks[0]))
	out := drain(t, p.snd)
	if len(out) != 1 || string(out[0]) != string(lostCopy) {
		t.Fatalf("retransmission %x, want %x", out, lostCopy)
	}
}
