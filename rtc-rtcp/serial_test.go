package rtcp

import (
	"errors"
	"testing"
	"time"
)

// TestNTPEraWrap: the NTP seconds field wraps on 2036-02-07T06:28:16Z.
// Before the fix, TimeFromNTP read every timestamp in era 0, so a report
// sent one second after the wrap was dated 1900.
func TestNTPEraWrap(t *testing.T) {
	wrap := time.Date(2036, 2, 7, 6, 28, 16, 0, time.UTC)
	for _, tm := range []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC),
		wrap.Add(-time.Second), wrap, wrap.Add(time.Second),
		time.Date(2100, 1, 1, 0, 0, 0, 500_000_000, time.UTC),
	} {
		ntp := NTPTime(tm)
		if got := TimeFromNTP(ntp); !got.Equal(tm) {
			t.Errorf("%v: NTP %#x reads back as %v", tm, ntp, got)
		}
	}
	if NTPTime(wrap)>>32 != 0 {
		t.Errorf("seconds at the wrap: %#x, want 0", NTPTime(wrap)>>32)
	}
	// RTT across the wrap of the compact (middle 32 bits) form.
	before := CompactNTP(NTPTime(wrap.Add(-time.Second)))
	after := CompactNTP(NTPTime(wrap.Add(time.Second)))
	if rtt, ok := RTT(after, before, 0); !ok || rtt != 2*time.Second {
		t.Errorf("RTT across the wrap: %v %v", rtt, ok)
	}
}

// TestRTTHalfWay: A - LSR - DLSR at exactly 2^31 units (about 9.1 h) is the
// largest round trip accepted; one unit more reads as negative (RFC 1982
// leaves half-way undefined; we pick "accept", the only reading that is
// not in the past).
func TestRTTHalfWay(t *testing.T) {
	if _, ok := RTT(0x80000001, 1, 0); !ok {
		t.Error("2^31 refused")
	}
	if _, ok := RTT(0x80000002, 1, 0); ok {
		t.Error("2^31+1 accepted")
	}
	if _, ok := RTT(5, 0xfffffffe, 7); !ok { // A wrapped past LSR: elapsed 7
		t.Error("wrapped arrival refused")
	}
	if _, ok := RTT(5, 0xfffffffe, 8); ok {
		t.Error("DLSR longer than elapsed accepted")
	}
}

// TestClampLost: RFC 3550 Appendix A.3, cumulative loss in signed 24 bits,
// clamped rather than wrapped; the writer refuses what does not fit.
func TestClampLost(t *testing.T) {
	for _, c := range []struct {
		in   int64
		want int32
	}{{0, 0}, {1, 1}, {-1, -1}, {1<<23 - 1, 1<<23 - 1}, {1 << 23, 1<<23 - 1}, {1 << 40, 1<<23 - 1},
		{-(1 << 23), -(1 << 23)}, {-(1 << 23) - 1, -(1 << 23)}, {-(1 << 40), -(1 << 23)}} {
		if got := ClampLost(c.in); got != c.want {
			t.Errorf("ClampLost(%d) = %d, want %d", c.in, got, c.want)
		}
	}
	for _, lost := range []int32{1<<23 - 1, -(1 << 23)} {
		rr := ReceiverReport{Reports: []ReceptionReport{{SSRC: 1, TotalLost: lost, LastSequenceNumber: 0xffffffff}}}
		b, err := rr.AppendTo(nil)
		if err != nil {
			t.Fatal(err)
		}
		var back ReceiverReport
		if err := back.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		if back.Reports[0].TotalLost != lost || back.Reports[0].LastSequenceNumber != 0xffffffff {
			t.Errorf("lost %d: read back %+v", lost, back.Reports[0])
		}
	}
	for _, lost := range []int32{1 << 23, -(1 << 23) - 1} {
		rr := ReceiverReport{Reports: []ReceptionReport{{SSRC: 1, TotalLost: lost}}}
		if _, err := rr.AppendTo(nil); !errors.Is(err, ErrBadValue) {
			t.Errorf("lost %d: %v, want ErrBadValue", lost, err)
		}
	}
}

// TestTransportCCHalfWay: an arrival exactly 2^15 after the next expected
// sequence number is neither before nor after it in RFC 1982 terms. Before
// the fix BuildTransportCC walked forward to it and wrote 65538 statuses
// under a StatusCount of 4.
func TestTransportCCHalfWay(t *testing.T) {
	var p TransportCC
	ms := time.Millisecond
	for _, arr := range [][]TWCCArrival{
		{{0, 0}, {32769, ms}, {2, 2 * ms}, {3, 3 * ms}},
		{{10, 0}, {9, ms}},
		{{0, 0}, {40000, ms}, {39999, 2 * ms}},
	} {
		if err := BuildTransportCC(&p, 1, 2, 0, arr); !errors.Is(err, ErrBadValue) {
			t.Errorf("%v: %v, want ErrBadValue (chunks describe %d packets, StatusCount %d)",
				arr, err, len(p.Packets(nil)), p.StatusCount)
		}
	}
	// Across the 16-bit wrap, in order.
	arr := []TWCCArrival{{65534, 0}, {65535, ms}, {1, 2 * ms}}
	if err := BuildTransportCC(&p, 1, 2, 0, arr); err != nil {
		t.Fatal(err)
	}
	pk := p.Packets(nil)
	if p.BaseSequence != 65534 || p.StatusCount != 4 || len(pk) != 4 || pk[2].Sequence != 0 || pk[2].Symbol != TWCCNotReceived || pk[3].Sequence != 1 {
		t.Fatalf("wrap: base %d count %d packets %+v", p.BaseSequence, p.StatusCount, pk)
	}
}

// TestTransportCCReferenceTimeWrap: the 24-bit signed reference time
// wraps after 2^23 * 64 ms (about 6.2 days); BuildTransportCC writes the
// low 24 bits, sign-extended, and they survive a round trip.
func TestTransportCCReferenceTimeWrap(t *testing.T) {
	var p TransportCC
	for _, at := range []time.Duration{
		(1<<23 - 1) * TWCCReferenceUnit, (1 << 23) * TWCCReferenceUnit, (1<<24 + 5) * TWCCReferenceUnit, -TWCCReferenceUnit,
	} {
		if err := BuildTransportCC(&p, 1, 2, 0, []TWCCArrival{{7, at}}); err != nil {
			t.Fatal(err)
		}
		want := int32(int64(at/TWCCReferenceUnit) << 40 >> 40)
		if p.ReferenceTime != want {
			t.Errorf("%v: reference %d, want %d", at, p.ReferenceTime, want)
		}
		b, err := p.AppendTo(nil)
		if err != nil {
			t.Fatal(err)
		}
		var back TransportCC
		if err := back.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		if back.ReferenceTime != want {
			t.Errorf("%v: read back %d, want %d", at, back.ReferenceTime, want)
		}
	}
}

// TestCCFBBeginSequenceWrap: RFC 8888 §3.1 reports begin_seq .. begin_seq
// + num_reports - 1 modulo 2^16; a block starting at 65535 covers 65535,
// 0, 1, ... and survives a round trip, up to the 16384-metric limit.
func TestCCFBBeginSequenceWrap(t *testing.T) {
	for _, n := range []int{1, 2, 3, MaxCCFBMetrics} {
		fb := CCFeedback{SenderSSRC: 1, ReportTimestamp: 0xffffffff, Blocks: []CCFBBlock{{MediaSSRC: 2, BeginSequence: 65535, Metrics: make([]CCFBMetric, n)}}}
		fb.Blocks[0].Metrics[n-1] = CCFBMetric{Received: true, ECN: 3, ArrivalOffset: 0x1fff}
		b, err := fb.AppendTo(nil)
		if err != nil {
			t.Fatal(err)
		}
		var back CCFeedback
		if err := back.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		blk := back.Blocks[0]
		if blk.BeginSequence != 65535 || len(blk.Metrics) != n || blk.Metrics[n-1] != fb.Blocks[0].Metrics[n-1] || back.ReportTimestamp != 0xffffffff {
			t.Fatalf("n=%d: %+v", n, back)
		}
		if last := blk.BeginSequence + uint16(n-1); n == 2 && last != 0 {
			t.Fatalf("last sequence %d", last)
		}
	}
	over := CCFeedback{Blocks: []CCFBBlock{{Metrics: make([]CCFBMetric, MaxCCFBMetrics+1)}}}
	if _, err := over.AppendTo(nil); !errors.Is(err, ErrTooMany) {
		t.Fatalf("16385 metrics: %v", err)
	}
}
