package sctp

import "testing"

// RFC 3758 §3.6: "the receiver MUST use the stream sequence information to
// examine all of the listed stream reordering queues, and immediately make
// available for delivery stream sequence numbers earlier than or equal to
// the stream sequence number listed inside the FORWARD TSN." A complete
// message held behind an abandoned one is delivered, not dropped; a
// partial one still missing a TSN at or below the new cumulative TSN is
// removed.
func TestForwardTSNDeliversStrandedMessages(t *testing.T) {
	p := newEstablished(t, Config{})
	p.tsn++                                                                                    // 1000: SSN 0, abandoned
	must(t, p.sendData(whole(1, 1, "b")))                                                      // 1001: held behind SSN 0
	must(t, p.sendData(dataChunk{flags: flagBegin, stream: 1, ssn: 2, payload: []byte("c1")})) // 1002
	p.tsn++                                                                                    // 1003: the end of SSN 2, abandoned
	p.tsn++                                                                                    // 1004: SSN 3, abandoned
	must(t, p.sendData(whole(1, 4, "e")))                                                      // 1005
	if _, ok := p.a.PollRead(); ok {
		t.Fatal("delivered past SSN 0")
	}
	fwd := forwardTSNChunk{newCum: 1004, streams: []fwdStream{{stream: 1, seq: 3}}}
	must(t, p.send(p.a.myTag, fwd.appendTo(nil)))
	var got []string
	for m, ok := p.a.PollRead(); ok; m, ok = p.a.PollRead() {
		got = append(got, string(m.Data))
	}
	if len(got) != 2 || got[0] != "b" || got[1] != "e" {
		t.Fatalf("delivered %q, want [b e]", got)
	}
	if s := p.sack(); s.cumTSN != 1005 || len(s.gaps) != 0 {
		t.Fatalf("SACK %+v", s)
	}
	if b := p.a.rcv.buffered; b != 0 {
		t.Fatalf("%d bytes still counted after the messages were read", b)
	}
}
